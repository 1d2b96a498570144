// linear.cpp — see linear.h.
#include "autograd/kernels/linear.h"

#include <algorithm>

#include "autograd/gemm.h"
#include "autograd/kernels/grad_write.h"
#include "autograd/kernels/rows.h"
#include "autograd/thread_pool.h"

namespace aet::kernels {

Tensor linear_forward(const Tensor& X, const Tensor& W, const Tensor& b, bool relu) {
  const int N = X.rows(), D = X.cols(), H = W.cols();
  Tensor Y = Tensor::empty({N, H});
  gemm_bias(N, H, D, X.data(), W.data(), b.defined() ? b.data() : nullptr, relu, Y.data());
  return Y;
}

// Runs f(c0, c1) over column blocks of an (N,H) matrix, one block per thread from 2^15
// elements up (below that, waking the threads costs more than it saves). Each block owns
// its columns of a bias gradient, so the blocks never write the same element, and every
// column is summed over the rows in the same order whatever the thread count.
template <class F>
static void over_columns(int N, int H, F f) {
  parallel_chunks(size_t(H), (size_t(1) << 15) / size_t(N), [&](size_t c0, size_t c1) { f(int(c0), int(c1)); });
}

void linear_backward(Tensor& X, Tensor& W, Tensor& b, Tensor& Y, bool relu) {
  const int N = X.rows(), D = X.cols(), H = W.cols();
  const float* dY = Y.grad();
  float* db = nullptr;
  bool db_first = false;
  if (b.defined() && b.requires_grad()) db = grad_for_write(b, &db_first);
  // dZ: dY itself, or dY masked by the ReLU into a scratch buffer (db summed in the same pass).
  Tensor masked;
  const float* dZ = dY;
  if (relu) {
    masked = Tensor::empty({N, H});
    float* m = masked.data();
    const float* Yv = Y.data();
    if (db && db_first) std::fill_n(db, H, 0.0f);
    over_columns(N, H, [&](int c0, int c1) {
      for (int n = 0; n < N; ++n) {
        const size_t at = size_t(n) * H + c0;
        relu_mask_row(m + at, dY + at, Yv + at, size_t(c1 - c0));
        if (db) add_row(db + c0, m + at, size_t(c1 - c0));
      }
    });
    dZ = m;
  } else if (db) {
    over_columns(N, H, [&](int c0, int c1) {
      if (db_first) std::fill(db + c0, db + c1, 0.0f);
      for (int n = 0; n < N; ++n) add_row(db + c0, dY + size_t(n) * H + c0, size_t(c1 - c0));
    });
  }
  bool first = false;
  if (X.requires_grad()) {
    float* dX = grad_for_write(X, &first);
    gemm(Layout::NT, N, D, H, dZ, W.data(), dX, !first);  // dX (+)= dZ·Wᵀ
  }
  if (W.requires_grad()) {
    float* dW = grad_for_write(W, &first);
    gemm(Layout::TN, D, H, N, X.data(), dZ, dW, !first);  // dW (+)= Xᵀ·dZ
  }
}

// ---- the plain twins ------------------------------------------------------------------

Tensor linear_forward_reference(const Tensor& X, const Tensor& W, const Tensor& b, bool relu) {
  const int N = X.rows(), D = X.cols(), H = W.cols();
  Tensor Y = Tensor::empty({N, H});
  float* y = Y.data();
  gemm_naive(Layout::NN, N, H, D, X.data(), W.data(), y, false);
  for (int n = 0; n < N; ++n)
    for (int h = 0; h < H; ++h) {
      float& v = y[size_t(n) * H + h];
      if (b.defined()) v += b.data()[h];
      if (relu && v < 0.0f) v = 0.0f;
    }
  return Y;
}

void linear_backward_reference(Tensor& X, Tensor& W, Tensor& b, Tensor& Y, bool relu) {
  const int N = X.rows(), D = X.cols(), H = W.cols();
  Tensor dZ = Tensor::empty({N, H});
  const float *dY = Y.grad(), *y = Y.data();
  float* dz = dZ.data();
  for (size_t i = 0; i < dZ.size(); ++i) dz[i] = relu && !(y[i] > 0.0f) ? 0.0f : dY[i];
  if (X.requires_grad()) gemm_naive(Layout::NT, N, D, H, dz, W.data(), X.grad(), true);
  if (W.requires_grad()) gemm_naive(Layout::TN, D, H, N, X.data(), dz, W.grad(), true);
  if (b.defined() && b.requires_grad()) {
    float* db = b.grad();
    for (int n = 0; n < N; ++n)
      for (int h = 0; h < H; ++h) db[h] += dz[size_t(n) * H + h];
  }
}

}  // namespace aet::kernels
