// ops_matmul.cpp — matrix products and the fused linear layer op.
//
// Every product here calls gemm() (autograd/gemm.h), which packs the operands so
// the transposes in the backward passes are never materialised.
#include <xmmintrin.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "autograd/gemm.h"
#include "autograd/ops.h"
#include "autograd/thread_pool.h"

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

// Row kernels over n floats. Each runs in full blocks of 8, then the rest, and is kept out
// of line with __restrict parameters: GCC's -O2 vectoriser only takes a loop whose trip
// count is a multiple of the vector width and whose pointers provably do not overlap (see
// nn/optim.cpp); written inline in the loops below they stayed scalar.
#define AET_ROW_BLOCKED(n, ...)                                  \
  do {                                                           \
    size_t i0_ = 0;                                              \
    for (; i0_ + 8 <= (n); i0_ += 8)                             \
      for (size_t i = i0_; i < i0_ + 8; ++i) { __VA_ARGS__ }     \
    for (size_t i = i0_; i < (n); ++i) { __VA_ARGS__ }           \
  } while (0)

// acc += x
__attribute__((noinline)) static void add_row(float* __restrict acc, const float* __restrict x, size_t n) {
  AET_ROW_BLOCKED(n, acc[i] += x[i];);
}

// dz = dy ⊙ [y > 0]. In SSE intrinsics (every x86-64 has them): no form of this loop we
// tried came out of GCC's -O2 vectoriser as vector code.
static void relu_mask_row(float* __restrict dz, const float* __restrict dy, const float* __restrict y,
                          size_t n) {
  const __m128 zero = _mm_setzero_ps();
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m128 positive = _mm_cmpgt_ps(_mm_loadu_ps(y + i), zero);  // all ones where y > 0
    _mm_storeu_ps(dz + i, _mm_and_ps(_mm_loadu_ps(dy + i), positive));
  }
  for (; i < n; ++i) dz[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

#undef AET_ROW_BLOCKED

// db += Σ_n dY(n,:) (db = ... when first) on columns [c0, c1)      dY:(N,H)  db:(H)
static void add_row_sums(float* db, const float* dY, int N, int H, bool first, int c0, int c1) {
  if (first) std::fill(db + c0, db + c1, 0.0f);
  for (int n = 0; n < N; ++n) add_row(db + c0, dY + static_cast<size_t>(n) * H + c0, c1 - c0);
}

// Runs f(c0, c1) over column blocks [c0, c1) of an (N,H) matrix: one block per thread when
// the matrix is large enough to repay waking the threads, else one block. Block edges fall
// on multiples of 16 columns, so vectors stay aligned; each block owns its columns of a
// bias gradient, so the blocks never write the same element.
template <class F>
static void over_column_blocks(int N, int H, F f) {
  const int blocks = static_cast<size_t>(N) * H >= (1u << 15) ? std::min(num_threads(), H / 16) : 1;
  if (blocks <= 1) return f(0, H);
  parallel_for(blocks, [&](int t) {
    const int c0 = H / 16 * t / blocks * 16, c1 = t + 1 == blocks ? H : H / 16 * (t + 1) / blocks * 16;
    f(c0, c1);
  });
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

// The products of a linear layer's backward, given dZ, the gradient at X·W + b:
// dX += dZ·Wᵀ, dW += Xᵀ·dZ. A gradient nothing has written yet is overwritten, not added
// to (grad_for_write), which spares clearing it first.
static void linear_backward_products(Tensor& X, Tensor& W, const float* dZ) {
  const int N = X.rows(), D = X.cols(), H = W.cols();
  bool first = false;
  if (X.requires_grad()) {
    float* dX = X.grad_for_write(&first);
    gemm(Layout::NT, N, D, H, dZ, W.data(), dX, !first);
  }
  if (W.requires_grad()) {
    float* dW = W.grad_for_write(&first);
    gemm(Layout::TN, D, H, N, X.data(), dZ, dW, !first);
  }
}

// Y = X·W + b    X:(N,D)  W:(D,H)  b:(1,H)  Y:(N,H)
// dX += dY·Wᵀ    dW += Xᵀ·dY      db += sum over rows of dY
Tensor linear(const Tensor& x, const Tensor& W, const Tensor& b) {
  check_linear("linear", x, W, b);
  const int N = x.rows(), D = x.cols(), H = W.cols();
  Tensor y = Tensor::empty({N, H});
  gemm_bias(N, H, D, x.data(), W.data(), b.defined() ? b.data() : nullptr, false, y.data());
  record("linear", y, {x, W, b}, [](TapeEntry& e) {
    Tensor &X = e.in[0], &W = e.in[1], &b = e.in[2], &Y = e.out;
    const float* dY = Y.grad();
    linear_backward_products(X, W, dY);
    if (b.defined() && b.requires_grad()) {
      bool first = false;
      float* db = b.grad_for_write(&first);
      const int N = X.rows(), H = W.cols();
      over_column_blocks(N, H, [&](int c0, int c1) { add_row_sums(db, dY, N, H, first, c0, c1); });
    }
  });
  return y;
}

// dZ = dY ⊙ [Y > 0], and db += Σ_n dZ(n,:) in the same pass (db may be nullptr), on
// columns [c0, c1) of the (N,H) matrices.
static void relu_mask_row_sums(float* dZ, const float* dY, const float* Y, float* db, int N, int H,
                               int c0, int c1) {
  for (int n = 0; n < N; ++n) {
    const size_t at = static_cast<size_t>(n) * H + c0;
    relu_mask_row(dZ + at, dY + at, Y + at, c1 - c0);
    if (db) add_row(db + c0, dZ + at, c1 - c0);
  }
}

// Y = max(0, X·W + b)      X:(N,D)  W:(D,H)  b:(1,H)  Y:(N,H)
// dZ = dY ⊙ [Y > 0]        (Y > 0 exactly where X·W + b > 0)
// dX += dZ·Wᵀ    dW += Xᵀ·dZ    db += sum over rows of dZ
// relu(linear(x, W, b)) as one op: the bias and the ReLU are applied to the product by
// gemm's threads as they finish their slices, and the backward masks dY into a scratch
// buffer (summing db on the way) instead of clearing and filling a gradient for the
// pre-activation.
Tensor linear_relu(const Tensor& x, const Tensor& W, const Tensor& b) {
  check_linear("linear_relu", x, W, b);
  const int N = x.rows(), D = x.cols(), H = W.cols();
  Tensor y = Tensor::empty({N, H});
  gemm_bias(N, H, D, x.data(), W.data(), b.defined() ? b.data() : nullptr, true, y.data());
  record("linear_relu", y, {x, W, b}, [](TapeEntry& e) {
    Tensor &X = e.in[0], &W = e.in[1], &b = e.in[2], &Y = e.out;
    const int N = X.rows(), H = W.cols();
    Tensor dZ = Tensor::empty({N, H});
    float* db = nullptr;
    if (b.defined() && b.requires_grad()) {
      bool first = false;
      db = b.grad_for_write(&first);
      if (first) std::fill_n(db, H, 0.0f);
    }
    const float *dY = Y.grad(), *Yv = Y.data();
    float* dz = dZ.data();
    over_column_blocks(N, H, [&](int c0, int c1) { relu_mask_row_sums(dz, dY, Yv, db, N, H, c0, c1); });
    linear_backward_products(X, W, dZ.data());
  });
  return y;
}

}  // namespace aet
