// sigmoid_bce_avx2.cpp — the element loop of bce_with_logits in AVX2+FMA intrinsics,
// eight elements per step. Compiled with -mavx2 -mfma (see the Makefile), so it may only
// run after the CPU check in sigmoid_bce.cpp. tests/test_fast_paths.cpp checks it against
// bce_logits_plain, the one-element-at-a-time reference.
//
// Written out by hand because the auto-vectoriser left the same loop scalar (round-1
// profile), even with branch-free selects. Per element, with a = min(|l|, 87):
//   e      = e^−a                    (Cody–Waite range reduction + Cephes polynomial)
//   ℓ      = max(l,0) − l·t + log(1+e)   (log(1+e) = 2·atanh(e/(2+e)), a series)
//   σ(l)−t = (l ≥ 0 ? 1 : e) / (1+e) − t
// The cap at 87 keeps e^−a a normal float (e^−87 ≈ 1.6e-38); beyond it ℓ is exact anyway.
#include <immintrin.h>

#include <initializer_list>

#include "autograd/kernels/sigmoid_bce.h"

namespace aet::kernels {

namespace {

// e^x for x in [−87, 0], relative error ~2e-7: x = n·ln2 + r with |r| <= ln2/2 (ln2 split
// in two so n·ln2 is exact), e^r by a degree-7 polynomial, 2^n built in the exponent bits.
inline __m256 exp_nonpositive(__m256 x) {
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fmadd_ps(n, _mm256_set1_ps(2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i pow2n = _mm256_slli_epi32(
      _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(pow2n));
}

// log(1 + e) for e in [0, 1]: s = e/(2+e) <= 1/3, log(1+e) = 2s(1 + s²/3 + s⁴/5 + ...),
// eight terms (error below 1e-8); small e keeps full precision (no 1 + e rounding).
inline __m256 log1p_unit(__m256 e) {
  const __m256 s = _mm256_div_ps(e, _mm256_add_ps(_mm256_set1_ps(2.0f), e));
  const __m256 s2 = _mm256_mul_ps(s, s);
  __m256 q = _mm256_set1_ps(1.0f / 15);
  for (float c : {1.0f / 13, 1.0f / 11, 1.0f / 9, 1.0f / 7, 1.0f / 5, 1.0f / 3, 1.0f})
    q = _mm256_fmadd_ps(q, s2, _mm256_set1_ps(c));
  return _mm256_mul_ps(_mm256_add_ps(s, s), q);
}

}  // namespace

double bce_logits_avx2(const float* L, const float* T, float* sig_minus_t, size_t n, size_t* bad) {
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
  const __m256 sign = _mm256_set1_ps(-0.0f), cap = _mm256_set1_ps(87.0f);
  __m256 acc = zero;                       // eight running sums, one per lane
  __m256i outside = _mm256_setzero_si256();  // targets outside [0,1], per lane
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 l = _mm256_loadu_ps(L + i), t = _mm256_loadu_ps(T + i);
    // min(|l|, 87); with the cap as the first operand a NaN logit stays NaN (minps returns
    // its second operand when either is NaN), so a diverged model still shows a NaN loss.
    const __m256 a = _mm256_min_ps(cap, _mm256_andnot_ps(sign, l));
    const __m256 e = exp_nonpositive(_mm256_xor_ps(a, sign));       // e^−a
    // σ(l) = 1/(1+e) for l >= 0, e/(1+e) below: blendv picks e where l's sign bit is set.
    const __m256 num = _mm256_blendv_ps(one, e, l);
    const __m256 sig = _mm256_div_ps(num, _mm256_add_ps(one, e));
    _mm256_storeu_ps(sig_minus_t + i, _mm256_sub_ps(sig, t));
    const __m256 loss = _mm256_add_ps(_mm256_fnmadd_ps(l, t, _mm256_max_ps(l, zero)), log1p_unit(e));
    acc = _mm256_add_ps(acc, loss);
    // t < 0, or not t <= 1 (true for NaN too): all-ones lanes, i.e. −1 as integers.
    const __m256 out = _mm256_or_ps(_mm256_cmp_ps(t, zero, _CMP_LT_OQ), _mm256_cmp_ps(t, one, _CMP_NLE_UQ));
    outside = _mm256_sub_epi32(outside, _mm256_castps_si256(out));
  }
  alignas(32) float lanes[8];
  alignas(32) int counts[8];
  _mm256_store_ps(lanes, acc);
  _mm256_store_si256(reinterpret_cast<__m256i*>(counts), outside);
  double s = 0.0;
  for (int k = 0; k < 8; ++k) {
    s += lanes[k];
    *bad += counts[k];
  }
  if (i < n) s += bce_logits_plain(L + i, T + i, sig_minus_t + i, n - i, bad);  // the n mod 8 left
  return s;
}

// y = σ(x) = 1/(1+e^−x) for x >= 0, e^x/(1+e^x) below: both from e = e^−min(|x|, 87),
// the same two branches as the plain sigmoid op (so e^|x| never overflows), as a select.
void sigmoid_avx2(const float* X, float* Y, size_t n) {
  const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f), cap = _mm256_set1_ps(87.0f);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(X + i);
    const __m256 a = _mm256_min_ps(cap, _mm256_andnot_ps(sign, x));  // NaN stays NaN (see above)
    const __m256 e = exp_nonpositive(_mm256_xor_ps(a, sign));
    _mm256_storeu_ps(Y + i, _mm256_div_ps(_mm256_blendv_ps(one, e, x), _mm256_add_ps(one, e)));
  }
  if (i < n) sigmoid_plain(X + i, Y + i, n - i);
}

}  // namespace aet::kernels
