// ops_matmul.cpp — matrix products and the fused linear layer op.
//
// Every product here calls gemm() (autograd/gemm.h), which packs the operands so
// the transposes in the backward passes are never materialised.
#include <stdexcept>
#include <string>

#include "autograd/gemm.h"
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

// Y(n,:) = b for every row n.     Y:(N,H)  b:(H)
static void fill_rows(float* __restrict Y, const float* __restrict b, int N, int H) {
  for (int n = 0; n < N; ++n)
    for (int h = 0; h < H; ++h) Y[static_cast<size_t>(n) * H + h] = b[h];
}

// db += Σ_n dY(n,:)                 dY:(N,H)  db:(H)
static void add_row_sums(float* __restrict db, const float* __restrict dY, int N, int H) {
  for (int n = 0; n < N; ++n)
    for (int h = 0; h < H; ++h) db[h] += dY[static_cast<size_t>(n) * H + h];
}

// Y = X·W + b    X:(N,D)  W:(D,H)  b:(1,H)  Y:(N,H)
// dX += dY·Wᵀ    dW += Xᵀ·dY      db += sum over rows of dY
Tensor linear(const Tensor& x, const Tensor& W, const Tensor& b) {
  check_2d_pair("linear", x, W);
  check_inner("linear", x, W, x.cols(), W.rows());
  const int N = x.rows(), D = x.cols(), H = W.cols();
  if (b.defined() && b.size() != static_cast<size_t>(H))
    throw std::invalid_argument("linear: bias has shape " + shape_str(b.shape()) + ", expected (1," +
                                std::to_string(H) + ") to match weight " + shape_str(W.shape()));
  Tensor y = Tensor::empty({N, H});
  float* Y = y.data();
  if (b.defined()) fill_rows(Y, b.data(), N, H);  // Y = b on every row, then Y += X·W
  gemm(Layout::NN, N, H, D, x.data(), W.data(), Y, b.defined());
  record("linear", y, {x, W, b}, [](TapeEntry& e) {
    Tensor &X = e.in[0], &W = e.in[1], &b = e.in[2], &Y = e.out;
    const int N = X.rows(), D = X.cols(), H = W.cols();
    const float* dY = Y.grad();
    if (X.requires_grad()) gemm(Layout::NT, N, D, H, dY, W.data(), X.grad(), true);
    if (W.requires_grad()) gemm(Layout::TN, D, H, N, X.data(), dY, W.grad(), true);
    if (b.defined() && b.requires_grad()) add_row_sums(b.grad(), dY, N, H);
  });
  return y;
}

}  // namespace aet
