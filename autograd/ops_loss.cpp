// ops_loss.cpp — fused losses, each one op with its own stable gradient.
//
// Fusing matters for stability, not only speed: log(sigmoid(l)) computed in two
// steps underflows to log(0) = −inf for l < −88, while the fused form below never
// exponentiates a positive number.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <stdexcept>
#include <string>

#include "autograd/loss_kernels.h"
#include "autograd/ops.h"

namespace aet {

// a += c · b over n elements (the backward passes of the fused losses).
static void add_scaled(float* __restrict a, const float* __restrict b, float c, size_t n) {
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
  double s = 0.0;
  size_t bad = 0;
  for (int r = 0; r < N; ++r) {  // one row at a time: float sums stay short
    const size_t off = static_cast<size_t>(r) * row;
    s += detail::bce_logits_fast(L + off, T + off, sig_minus_t.data() + off, row, &bad);
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
    if (e.in[0].requires_grad()) add_scaled(e.in[0].grad(), e.saved.data(), g, n);
    if (e.in[1].requires_grad()) add_scaled(e.in[1].grad(), e.in[0].data(), -g, n);
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

// e^x for x in [−87, 0] (callers clamp), relative error ~2e-7: x = n·ln2 + r with
// |r| <= ln2/2 (ln2 split in two, Cody & Waite, so n·ln2 is exact), e^r by a degree-7
// polynomial (Cephes expf), and 2^n written straight into the exponent bits.
static inline float exp_nonpositive(float x) {
  const float nf = (x * 1.44269504f + 12582912.0f) - 12582912.0f;  // round(x/ln2): 1.5·2^23 trick
  const float r = (x - nf * 0.693359375f) + nf * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  return p * std::bit_cast<float>((static_cast<int32_t>(nf) + 127) << 23);
}

// log(1 + e) for e in [0, 1]: with s = e/(2+e) <= 1/3, log(1+e) = 2·atanh(s)
// = 2s(1 + s²/3 + s⁴/5 + ...); eight terms leave an error below 1e-8, and small e
// keeps its full precision (no 1 + e rounding).
static inline float log1p_unit(float e) {
  const float s = e / (2.0f + e), s2 = s * s;
  float q = 1.0f / 15;
  q = q * s2 + 1.0f / 13;
  q = q * s2 + 1.0f / 11;
  q = q * s2 + 1.0f / 9;
  q = q * s2 + 1.0f / 7;
  q = q * s2 + 1.0f / 5;
  q = q * s2 + 1.0f / 3;
  q = q * s2 + 1.0f;
  return 2.0f * s * q;
}

// ℓ for one element, and σ(l) − t into *sig_minus_t; e^−|l| is computed once for both.
__attribute__((always_inline)) static inline float bce_element(float l, float t, float* sig_minus_t) {
  // e^−|l|, with |l| capped at 87 (e^−87 ≈ 1.6e-38 is still a normal float). The cap
  // compares the bit patterns as integers (same order for floats >= 0): a float
  // comparison here became a branch, and the branch kept the loop scalar.
  const int32_t a_bits = std::bit_cast<int32_t>(std::fabs(l)), cap = std::bit_cast<int32_t>(87.0f);
  const float e = exp_nonpositive(-std::bit_cast<float>(a_bits < cap ? a_bits : cap));
  // σ(l) = 1/(1+e^−l) for l >= 0, e^l/(1+e^l) below: the numerator is 1 or e, picked
  // with a mask made of l's sign bit (a float select here also became a branch).
  const int32_t negative = std::bit_cast<int32_t>(l) >> 31;  // all ones if l < 0
  const float num = std::bit_cast<float>((std::bit_cast<int32_t>(e) & negative) |
                                         (std::bit_cast<int32_t>(1.0f) & ~negative));
  *sig_minus_t = num / (1.0f + e) - t;
  return (l > 0.0f ? l : 0.0f) - l * t + log1p_unit(e);
}

// The same pass without calls or branches, so that it vectorises: eight running sums
// (one per lane) instead of one, which the vectoriser may not reorder; selects instead
// of the two-branch sigmoid. An AVX2 copy is picked at load time on CPUs that have it.
__attribute__((noinline, target_clones("avx2", "default")))
double bce_logits_fast(const float* __restrict L, const float* __restrict T,
                       float* __restrict sig_minus_t, size_t n, size_t* bad) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int outside[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i0 = 0;
  for (; i0 + 8 <= n; i0 += 8)
    for (int k = 0; k < 8; ++k) {
      acc[k] += bce_element(L[i0 + k], T[i0 + k], &sig_minus_t[i0 + k]);
      outside[k] += (T[i0 + k] < 0.0f) | !(T[i0 + k] <= 1.0f);  // | not ||: no branch
    }
  for (size_t i = i0; i < n; ++i) {
    acc[0] += bce_element(L[i], T[i], &sig_minus_t[i]);
    outside[0] += (T[i] < 0.0f) | !(T[i] <= 1.0f);
  }
  double s = 0.0;
  for (int k = 0; k < 8; ++k) {
    s += acc[k];
    *bad += outside[k];
  }
  return s;
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
  double s = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(P[i]) - T[i];
    s += d * d;
  }
  Tensor y = Tensor::full({1}, static_cast<float>(s / static_cast<double>(n)));
  record("mse", y, {pred, target}, [](TapeEntry& e) {
    const size_t n = e.in[0].size();
    const float g = 2.0f * e.out.grad()[0] / static_cast<float>(n);
    const float *P = e.in[0].data(), *T = e.in[1].data();
    if (e.in[0].requires_grad()) {
      float* dp = e.in[0].grad();
      for (size_t i = 0; i < n; ++i) dp[i] += g * (P[i] - T[i]);
    }
    if (e.in[1].requires_grad()) {
      float* dt = e.in[1].grad();
      for (size_t i = 0; i < n; ++i) dt[i] -= g * (P[i] - T[i]);
    }
  });
  return y;
}

}  // namespace aet
