// ops_matmul.cpp — matrix products and the linear layer ops.
//
// Every product here calls gemm() (autograd/gemm.h), which packs the operands so the
// transposes in the backward passes are never materialised; linear and linear_relu call
// their kernels in autograd/kernels/linear.h.
#include <stdexcept>
#include <string>

#include "autograd/gemm.h"
#include "autograd/kernels/linear.h"
#include "autograd/ops.h"

namespace aet {

static void check_inner(const char* op, const Tensor& a, const Tensor& b, int ka, int kb) {
  if (ka != kb)
    throw std::invalid_argument(std::string(op) + ": " + shape_str(a.shape()) + " x " +
                                shape_str(b.shape()) + ": inner dimensions " + std::to_string(ka) +
                                " and " + std::to_string(kb) + " differ");
}

static void check_2d_pair(const char* op, const Tensor& a, const Tensor& b) {
  if (a.ndim() != 2 || b.ndim() != 2)
    throw std::invalid_argument(std::string(op) + ": both operands must be 2-d, got " +
                                shape_str(a.shape()) + " and " + shape_str(b.shape()));
}

// C = A·B        A:(N,K)  B:(K,M)  C:(N,M)
// dA += dC·Bᵀ    dB += Aᵀ·dC
Tensor matmul(const Tensor& a, const Tensor& b) {
  check_2d_pair("matmul", a, b);
  check_inner("matmul", a, b, a.cols(), b.rows());
  const int N = a.rows(), K = a.cols(), M = b.cols();
  Tensor c = Tensor::empty({N, M});
  gemm(Layout::NN, N, M, K, a.data(), b.data(), c.data(), false);
  record("matmul", c, {a, b}, [](TapeEntry& e) {
    Tensor &A = e.in[0], &B = e.in[1], &C = e.out;
    const int N = A.rows(), K = A.cols(), M = B.cols();
    if (A.requires_grad()) gemm(Layout::NT, N, K, M, C.grad(), B.data(), A.grad(), true);
    if (B.requires_grad()) gemm(Layout::TN, K, M, N, A.data(), C.grad(), B.grad(), true);
  });
  return c;
}

// C = Aᵀ·B       A:(K,N)  B:(K,M)  C:(N,M)
// dA += B·dCᵀ    dB += A·dC
Tensor matmul_tn(const Tensor& a, const Tensor& b) {
  check_2d_pair("matmul_tn", a, b);
  check_inner("matmul_tn", a, b, a.rows(), b.rows());
  const int K = a.rows(), N = a.cols(), M = b.cols();
  Tensor c = Tensor::empty({N, M});
  gemm(Layout::TN, N, M, K, a.data(), b.data(), c.data(), false);
  record("matmul_tn", c, {a, b}, [](TapeEntry& e) {
    Tensor &A = e.in[0], &B = e.in[1], &C = e.out;
    const int K = A.rows(), N = A.cols(), M = B.cols();
    if (A.requires_grad()) gemm(Layout::NT, K, N, M, B.data(), C.grad(), A.grad(), true);
    if (B.requires_grad()) gemm(Layout::NN, K, M, N, A.data(), C.grad(), B.grad(), true);
  });
  return c;
}

// C = A·Bᵀ       A:(N,K)  B:(M,K)  C:(N,M)
// dA += dC·B     dB += dCᵀ·A
Tensor matmul_nt(const Tensor& a, const Tensor& b) {
  check_2d_pair("matmul_nt", a, b);
  check_inner("matmul_nt", a, b, a.cols(), b.cols());
  const int N = a.rows(), K = a.cols(), M = b.rows();
  Tensor c = Tensor::empty({N, M});
  gemm(Layout::NT, N, M, K, a.data(), b.data(), c.data(), false);
  record("matmul_nt", c, {a, b}, [](TapeEntry& e) {
    Tensor &A = e.in[0], &B = e.in[1], &C = e.out;
    const int N = A.rows(), K = A.cols(), M = B.rows();
    if (A.requires_grad()) gemm(Layout::NN, N, K, M, C.grad(), B.data(), A.grad(), true);
    if (B.requires_grad()) gemm(Layout::TN, M, K, N, C.grad(), A.data(), B.grad(), true);
  });
  return c;
}

static void check_linear(const char* op, const Tensor& x, const Tensor& W, const Tensor& b) {
  check_2d_pair(op, x, W);
  check_inner(op, x, W, x.cols(), W.rows());
  const int H = W.cols();
  if (b.defined() && b.size() != static_cast<size_t>(H))
    throw std::invalid_argument(std::string(op) + ": bias has shape " + shape_str(b.shape()) +
                                ", expected (1," + std::to_string(H) + ") to match weight " +
                                shape_str(W.shape()));
}

// Y = X·W + b    X:(N,D)  W:(D,H)  b:(1,H)  Y:(N,H)
// dX += dY·Wᵀ    dW += Xᵀ·dY      db += Σ_rows dY
Tensor linear(const Tensor& x, const Tensor& W, const Tensor& b) {
  check_linear("linear", x, W, b);
  Tensor y = kernels::linear_forward(x, W, b, /*relu=*/false);  // plain twin: linear_forward_reference
  record("linear", y, {x, W, b}, [](TapeEntry& e) {
    kernels::linear_backward(e.in[0], e.in[1], e.in[2], e.out, /*relu=*/false);
  });
  return y;
}

// Y = relu(X·W + b)        X:(N,D)  W:(D,H)  b:(1,H)  Y:(N,H)
// dZ = dY ⊙ [Y > 0]        (Y > 0 exactly where X·W + b > 0)
// dX += dZ·Wᵀ    dW += Xᵀ·dZ    db += Σ_rows dZ
// relu(linear(x, W, b)) as one op: the kernel applies bias and ReLU to each slice of the
// product while it is still in cache, and needs no tensor for the pre-activation.
Tensor linear_relu(const Tensor& x, const Tensor& W, const Tensor& b) {
  check_linear("linear_relu", x, W, b);
  Tensor y = kernels::linear_forward(x, W, b, /*relu=*/true);
  record("linear_relu", y, {x, W, b}, [](TapeEntry& e) {
    kernels::linear_backward(e.in[0], e.in[1], e.in[2], e.out, /*relu=*/true);
  });
  return y;
}

}  // namespace aet
