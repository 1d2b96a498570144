// ops_loss.cpp — fused losses, each one op with its own stable gradient.
//
// Fusing matters for stability, not only speed: log(sigmoid(l)) computed in two
// steps underflows to log(0) = −inf for l < −88, while the fused form below never
// exponentiates a positive number.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/loss_kernels.h"
#include "autograd/ops.h"
#include "autograd/thread_pool.h"

namespace aet {

// a += c · b over n elements (the backward passes of the fused losses); a = c · b when
// a holds no gradient yet (first), which spares clearing it.
static void add_scaled(float* __restrict a, const float* __restrict b, float c, size_t n, bool first) {
  if (first)
    for (size_t i = 0; i < n; ++i) a[i] = c * b[i];
  else
    for (size_t i = 0; i < n; ++i) a[i] += c * b[i];
}

// Binary cross-entropy on logits l with targets t ∈ [0,1], for one element:
//   ℓ = −[t·log σ(l) + (1−t)·log(1−σ(l))] = max(l,0) − l·t + log(1 + e^−|l|)
// L = (1/N) Σ_n Σ_d ℓ(n,d)      (sum per row — per image — averaged over rows)
// dl += dL · (σ(l) − t) / N     dt += dL · (−l) / N
// The forward already holds e^−|l|, so it also saves σ(l) − t for the backward.
Tensor bce_with_logits(const Tensor& logits, const Tensor& targets) {
  check_same_shape("bce_with_logits", logits, targets);
  const float *L = logits.data(), *T = targets.data();
  const size_t n = logits.size();
  const int N = logits.dim(0);
  const size_t row = n / static_cast<size_t>(N);
  Tensor sig_minus_t = Tensor::empty(logits.shape());
  // One row at a time, so float sums stay short; the rows are shared among the threads
  // for a large batch, each row's sum kept apart and added in order, so the result does
  // not depend on the thread count.
  std::vector<double> row_sums(N);
  std::vector<size_t> row_bad(N, 0);
  auto rows = [&](int r0, int r1) {
    for (int r = r0; r < r1; ++r) {
      const size_t off = static_cast<size_t>(r) * row;
      row_sums[r] = detail::bce_logits_fast(L + off, T + off, sig_minus_t.data() + off, row, &row_bad[r]);
    }
  };
  const int tasks = n >= (size_t(1) << 15) ? std::min(num_threads(), N) : 1;
  if (tasks == 1) rows(0, N);
  else parallel_for(tasks, [&](int t) { rows(N * t / tasks, N * (t + 1) / tasks); });
  double s = 0.0;
  size_t bad = 0;
  for (int r = 0; r < N; ++r) {
    s += row_sums[r];
    bad += row_bad[r];
  }
  if (bad)
    for (size_t i = 0; i < n; ++i)
      if (!(T[i] >= 0.0f && T[i] <= 1.0f))
        throw std::domain_error("bce_with_logits: target " + std::to_string(T[i]) + " at element " +
                                std::to_string(i) + " is outside [0,1]");
  Tensor y = Tensor::full({1}, static_cast<float>(s / N));
  record("bce_with_logits", y, {logits, targets}, [](TapeEntry& e) {
    const float g = e.out.grad()[0] / static_cast<float>(e.in[0].dim(0));
    const size_t n = e.in[0].size();
    bool first = false;
    if (e.in[0].requires_grad()) {
      float* dl = e.in[0].grad_for_write(&first);
      const float* d = e.saved.data();
      parallel_chunks(n, 1 << 15, [&](size_t lo, size_t hi) { add_scaled(dl + lo, d + lo, g, hi - lo, first); });
    }
    if (e.in[1].requires_grad()) {
      float* dt = e.in[1].grad_for_write(&first);
      add_scaled(dt, e.in[0].data(), -g, n, first);
    }
  }, 0.0f, 0, sig_minus_t);
  return y;
}

namespace detail {

// The reference: one element at a time, in the formulas above.
double bce_logits_plain(const float* L, const float* T, float* sig_minus_t, size_t n, size_t* bad) {
  double s = 0.0;
  for (size_t i = 0; i < n; ++i) {
    *bad += !(T[i] >= 0.0f && T[i] <= 1.0f);
    s += std::max(L[i], 0.0f) - L[i] * T[i] + std::log1p(std::exp(-std::fabs(L[i])));
    const float sig = L[i] >= 0.0f ? 1.0f / (1.0f + std::exp(-L[i]))
                                   : std::exp(L[i]) / (1.0f + std::exp(L[i]));
    sig_minus_t[i] = sig - T[i];
  }
  return s;
}

bool cpu_has_avx2_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

double bce_logits_fast(const float* L, const float* T, float* sig_minus_t, size_t n, size_t* bad) {
  return cpu_has_avx2_fma() ? bce_logits_avx2(L, T, sig_minus_t, n, bad)
                            : bce_logits_plain(L, T, sig_minus_t, n, bad);
}

}  // namespace detail

// Softmax cross-entropy on logits l (N,C) with integer labels y_n:
//   L = (1/N) Σ_n [ log Σ_c e^{l(n,c)} − l(n,y_n) ]
// dl(n,c) += dL · (softmax(l_n)_c − [c = y_n]) / N
// The forward already has softmax in hand, so it saves (p − onehot)/N for backward.
Tensor softmax_cross_entropy(const Tensor& logits, std::span<const int> labels) {
  check_2d("softmax_cross_entropy", logits, "logits");
  const int N = logits.rows(), C = logits.cols();
  if (static_cast<int>(labels.size()) != N)
    throw std::invalid_argument("softmax_cross_entropy: logits " + shape_str(logits.shape()) +
                                " have " + std::to_string(N) + " rows but " +
                                std::to_string(labels.size()) + " labels were given");
  Tensor dlogits = Tensor::empty({N, C});
  double total = 0.0;
  for (int n = 0; n < N; ++n) {
    const int y = labels[n];
    if (y < 0 || y >= C)
      throw std::out_of_range("softmax_cross_entropy: label " + std::to_string(y) + " of row " +
                              std::to_string(n) + " is outside [0," + std::to_string(C) + ")");
    const float* l = logits.data() + static_cast<size_t>(n) * C;
    float* d = dlogits.data() + static_cast<size_t>(n) * C;
    const float m = *std::max_element(l, l + C);  // subtract the max: e^{l−m} <= 1
    double z = 0.0;
    for (int c = 0; c < C; ++c) z += std::exp(static_cast<double>(l[c] - m));
    total += std::log(z) + m - l[y];
    for (int c = 0; c < C; ++c)
      d[c] = static_cast<float>((std::exp(static_cast<double>(l[c] - m)) / z - (c == y)) / N);
  }
  Tensor out = Tensor::full({1}, static_cast<float>(total / N));
  record("softmax_cross_entropy", out, {logits}, [](TapeEntry& e) {
    const float g = e.out.grad()[0];
    const float* d = e.saved.data();
    float* dl = e.in[0].grad();
    for (size_t i = 0, n = e.in[0].size(); i < n; ++i) dl[i] += g * d[i];
  }, 0.0f, 0, dlogits);
  return out;
}

// L = (1/n) Σ (p − t)²          dp += dL · 2(p − t)/n      dt −= dL · 2(p − t)/n
Tensor mse(const Tensor& pred, const Tensor& target) {
  check_same_shape("mse", pred, target);
  const float *P = pred.data(), *T = target.data();
  const size_t n = pred.size();
  // Partial sums over fixed blocks of 4096 elements, shared among the threads and added
  // in order: the result does not depend on the thread count.
  constexpr size_t kBlock = 4096;
  std::vector<double> partial((n + kBlock - 1) / kBlock);
  // A 128x784 batch is 25 blocks: split them one by one (align 1), from 8 blocks up.
  parallel_chunks(partial.size(), 8, [&](size_t b0, size_t b1) {
    for (size_t b = b0; b < b1; ++b) {
      double s = 0.0;
      for (size_t i = b * kBlock, end = std::min(n, i + kBlock); i < end; ++i) {
        const double d = static_cast<double>(P[i]) - T[i];
        s += d * d;
      }
      partial[b] = s;
    }
  }, /*align=*/1);
  double s = 0.0;
  for (double p : partial) s += p;
  Tensor y = Tensor::full({1}, static_cast<float>(s / static_cast<double>(n)));
  record("mse", y, {pred, target}, [](TapeEntry& e) {
    const size_t n = e.in[0].size();
    const float g = 2.0f * e.out.grad()[0] / static_cast<float>(n);
    const float *P = e.in[0].data(), *T = e.in[1].data();
    if (e.in[0].requires_grad()) {
      float* dp = e.in[0].grad();
      parallel_chunks(n, 1 << 15, [&](size_t lo, size_t hi) {
        for (size_t i = lo; i < hi; ++i) dp[i] += g * (P[i] - T[i]);
      });
    }
    if (e.in[1].requires_grad()) {
      float* dt = e.in[1].grad();
      for (size_t i = 0; i < n; ++i) dt[i] -= g * (P[i] - T[i]);
    }
  });
  return y;
}

}  // namespace aet
