// sigmoid_bce.cpp — the plain element loops, the choice of the fast one, the thread split.
#include "autograd/kernels/sigmoid_bce.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/kernels/cpu_features.h"
#include "autograd/kernels/grad_write.h"
#include "autograd/kernels/rows.h"
#include "autograd/thread_pool.h"

namespace aet::kernels {

// Element loops over at least this many floats are split over the threads.
constexpr size_t kMinParallel = size_t(1) << 15;

double bce_logits_plain(const float* L, const float* T, float* sig_minus_t, size_t n, size_t* bad) {
  double s = 0.0;
  for (size_t i = 0; i < n; ++i) {
    *bad += !(T[i] >= 0.0f && T[i] <= 1.0f);
    s += std::max(L[i], 0.0f) - L[i] * T[i] + std::log1p(std::exp(-std::fabs(L[i])));
    const float sig = L[i] >= 0.0f ? 1.0f / (1.0f + std::exp(-L[i])) : std::exp(L[i]) / (1.0f + std::exp(L[i]));
    sig_minus_t[i] = sig - T[i];
  }
  return s;
}

// The AVX2 versions exist only in x86-64 builds (sigmoid_bce_avx2.cpp); elsewhere the
// plain loops are the fast path.
double bce_logits_fast(const float* L, const float* T, float* sig_minus_t, size_t n, size_t* bad) {
#if defined(__x86_64__)
  if (cpu_has_avx2_fma()) return bce_logits_avx2(L, T, sig_minus_t, n, bad);
#endif
  return bce_logits_plain(L, T, sig_minus_t, n, bad);
}

void sigmoid_plain(const float* X, float* Y, size_t n) {
  for (size_t i = 0; i < n; ++i) {  // two branches so that e^|x| never overflows
    if (X[i] >= 0.0f) {
      Y[i] = 1.0f / (1.0f + std::exp(-X[i]));
    } else {
      const float ex = std::exp(X[i]);
      Y[i] = ex / (1.0f + ex);
    }
  }
}

void sigmoid_fast(const float* X, float* Y, size_t n) {
#if defined(__x86_64__)
  if (cpu_has_avx2_fma()) return sigmoid_avx2(X, Y, n);
#endif
  sigmoid_plain(X, Y, n);
}

Tensor sigmoid_forward(const Tensor& X) {
  Tensor Y = Tensor::empty(X.shape());
  const float* x = X.data();
  float* y = Y.data();
  parallel_chunks(X.size(), kMinParallel, [&](size_t lo, size_t hi) { sigmoid_fast(x + lo, y + lo, hi - lo); });
  return Y;
}

BceSum bce_with_logits_sum(const Tensor& logits, const Tensor& targets, Tensor& sig_minus_t) {
  const float *L = logits.data(), *T = targets.data();
  float* D = sig_minus_t.data();
  const size_t n = logits.size();
  const int N = logits.dim(0);
  const size_t row = n / size_t(N);
  std::vector<double> row_sums(N);
  std::vector<size_t> row_bad(N, 0);
  parallel_chunks(size_t(N), kMinParallel / row, [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r)
      row_sums[r] = bce_logits_fast(L + r * row, T + r * row, D + r * row, row, &row_bad[r]);
  }, /*align=*/1);
  BceSum total{0.0, 0};
  for (int r = 0; r < N; ++r) {
    total.sum += row_sums[r];
    total.outside += row_bad[r];
  }
  return total;
}

void bce_with_logits_backward(Tensor& logits, Tensor& targets, const Tensor& sig_minus_t, float g) {
  const size_t n = logits.size();
  bool first = false;
  if (logits.requires_grad()) {
    float* dl = grad_for_write(logits, &first);
    const float* d = sig_minus_t.data();
    parallel_chunks(n, kMinParallel, [&](size_t lo, size_t hi) { add_scaled(dl + lo, d + lo, g, hi - lo, first); });
  }
  if (targets.requires_grad()) {
    float* dt = grad_for_write(targets, &first);
    add_scaled(dt, logits.data(), -g, n, first);
  }
}

}  // namespace aet::kernels
