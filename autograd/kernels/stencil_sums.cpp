// stencil_sums.cpp — see stencil_sums.h. Compiled with -ffp-contract=off (Makefile).
//
// Why registers: each sum is a chain of dependent additions (288 long in the decoder's
// 32 → 1 layer), and an addition waits ~3 cycles for the one before. Summing a block of
// outputs in registers over all the taps costs one load per multiply-add instead of two
// loads and a store, and the block's independent chains keep the adders busy: with two
// adders of 3-cycle latency, at least 6 chains must be in flight. Hence 8 registers per
// block in set_taps (4 in the plain copy, which may have only 16 of them), and in
// sum_tap_products 9 taps at once (a 3×3 filter), each tap's sum a chain of its own, which
// also reads each a[i] once for all 9 taps instead of once per tap.
//
// The blocks are held in GCC's and clang's vector types, which the compiler maps onto
// whatever SIMD registers the target has; a plain float acc[32] is not kept in registers by
// GCC 12. Block sizes change no rounding: each output sees the same additions in the same
// order whatever the block it falls in.
#include "autograd/kernels/stencil_sums.h"

#include <cstring>

#include "autograd/gemm.h"

namespace aet::kernels {
namespace {

using Lanes8 = float __attribute__((vector_size(32)));
using Lanes16 = float __attribute__((vector_size(64)));

// v ← sizeof(Vec)/4 floats from p, an unaligned load (by reference: a 32- or 64-byte vector
// returned by value is not ABI-stable across targets, and GCC warns about it).
template <class Vec>
__attribute__((always_inline)) inline void load(Vec& v, const float* p) {
  std::memcpy(&v, p, sizeof v);
}

template <class Vec>
constexpr size_t lanes() {
  return sizeof(Vec) / sizeof(float);
}

// ---- set_taps ---------------------------------------------------------------------------

// The V·lanes outputs at out + j0 after all T taps, from start.
template <class Vec, size_t V>
__attribute__((always_inline)) inline void set_taps_block(float* out, const float* const* src, const float* w,
                                                          size_t T, size_t j0, float start) {
  constexpr size_t L = lanes<Vec>();
  Vec acc[V];
  for (size_t v = 0; v < V; ++v) acc[v] = start - Vec{};  // start in every lane (start − (+0) is start, even −0)
  for (size_t t = 0; t < T; ++t) {
    const float wv = w[t];
    const float* from = src[t] + j0;
    for (size_t v = 0; v < V; ++v) {
      Vec x;
      load(x, from + v * L);
      acc[v] += wv * x;
    }
  }
  std::memcpy(out + j0, acc, sizeof acc);
}

// The last whole vectors after the blocks of V, as one block of their own (W of them, W < V):
// one vector at a time, each would be a single chain of T dependent additions.
template <class Vec, size_t W>
__attribute__((always_inline)) inline void set_taps_rest(float* out, const float* const* src, const float* w,
                                                         size_t T, size_t j0, size_t count, float start) {
  if constexpr (W > 0) {
    if (count == W) return set_taps_block<Vec, W>(out, src, w, T, j0, start);
    set_taps_rest<Vec, W - 1>(out, src, w, T, j0, count, start);
  }
}

// Blocks of V vectors, then the whole vectors left as one block, then (after 16-float
// vectors) one 8-float vector, then single floats: a tail of 8 to 127 outputs would
// otherwise take the scalar loop, once per tap.
template <class Vec, size_t V>
__attribute__((always_inline)) inline void set_taps_loop(float* out, size_t n, const float* const* src,
                                                         const float* w, size_t T, float start) {
  constexpr size_t L = lanes<Vec>();
  size_t j0 = 0;
  for (; j0 + V * L <= n; j0 += V * L) set_taps_block<Vec, V>(out, src, w, T, j0, start);
  const size_t rest = (n - j0) / L;
  set_taps_rest<Vec, V - 1>(out, src, w, T, j0, rest, start);
  j0 += rest * L;
  if constexpr (L > 8)
    for (; j0 + 8 <= n; j0 += 8) set_taps_block<Lanes8, 1>(out, src, w, T, j0, start);
  for (; j0 < n; ++j0) {
    float acc = start;
    for (size_t t = 0; t < T; ++t) acc += w[t] * src[t][j0];
    out[j0] = acc;
  }
}

// ---- sum_tap_products -------------------------------------------------------------------

// Taps t0 … t0+G−1 of the V·lanes outputs at j0, summed over the I images in registers.
template <class Vec, size_t V, size_t G>
__attribute__((always_inline)) inline void tap_products_block(float* out, size_t stride, const float* const* a,
                                                              const float* const* b, const size_t* off,
                                                              size_t I, size_t j0) {
  constexpr size_t L = lanes<Vec>();
  Vec acc[G][V] = {};
  for (size_t i = 0; i < I; ++i) {
    const float *x = a[i] + j0, *y = b[i] + j0;
    Vec xv[V];
    for (size_t v = 0; v < V; ++v) load(xv[v], x + v * L);
    for (size_t g = 0; g < G; ++g)
      for (size_t v = 0; v < V; ++v) {
        Vec yv;
        load(yv, y + off[g] + v * L);
        acc[g][v] += xv[v] * yv;
      }
  }
  for (size_t g = 0; g < G; ++g) std::memcpy(out + g * stride + j0, acc[g], sizeof acc[g]);
}

// One group of G taps over all n outputs: blocks of V vectors, single vectors, one 8-float
// vector after 16-float ones, single floats.
template <class Vec, size_t V, size_t G>
__attribute__((always_inline)) inline void tap_products_group(float* out, size_t stride, size_t n,
                                                              const float* const* a, const float* const* b,
                                                              const size_t* off, size_t I) {
  constexpr size_t L = lanes<Vec>();
  size_t j0 = 0;
  for (; j0 + V * L <= n; j0 += V * L) tap_products_block<Vec, V, G>(out, stride, a, b, off, I, j0);
  for (; j0 + L <= n; j0 += L) tap_products_block<Vec, 1, G>(out, stride, a, b, off, I, j0);
  if constexpr (L > 8)
    for (; j0 + 8 <= n; j0 += 8) tap_products_block<Lanes8, 1, G>(out, stride, a, b, off, I, j0);
  for (; j0 < n; ++j0)
    for (size_t g = 0; g < G; ++g) {
      float acc = 0.0f;
      for (size_t i = 0; i < I; ++i) acc += a[i][j0] * b[i][j0 + off[g]];
      out[g * stride + j0] = acc;
    }
}

// The taps nine at a time (a 3×3 filter in one group), the rest one by one.
template <class Vec, size_t V>
__attribute__((always_inline)) inline void tap_products_loop(float* out, size_t stride, size_t n,
                                                             const float* const* a, const float* const* b,
                                                             const size_t* off, size_t T, size_t I) {
  constexpr size_t kGroup = 9;
  size_t t = 0;
  for (; t + kGroup <= T; t += kGroup) tap_products_group<Vec, V, kGroup>(out + t * stride, stride, n, a, b, off + t, I);
  for (; t < T; ++t) tap_products_group<Vec, V, 1>(out + t * stride, stride, n, a, b, off + t, I);
}

// ---- one copy per instruction set -------------------------------------------------------

void set_taps_plain(float* out, size_t n, const float* const* src, const float* w, size_t T, float start) {
  set_taps_loop<Lanes8, 4>(out, n, src, w, T, start);
}
void tap_products_plain(float* out, size_t stride, size_t n, const float* const* a, const float* const* b,
                        const size_t* off, size_t T, size_t I) {
  tap_products_loop<Lanes8, 1>(out, stride, n, a, b, off, T, I);
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) void set_taps_avx2(float* out, size_t n, const float* const* src,
                                                   const float* w, size_t T, float start) {
  set_taps_loop<Lanes8, 8>(out, n, src, w, T, start);
}
__attribute__((target("avx2"))) void tap_products_avx2(float* out, size_t stride, size_t n, const float* const* a,
                                                       const float* const* b, const size_t* off, size_t T,
                                                       size_t I) {
  tap_products_loop<Lanes8, 1>(out, stride, n, a, b, off, T, I);
}
__attribute__((target("avx512f"))) void set_taps_avx512(float* out, size_t n, const float* const* src,
                                                        const float* w, size_t T, float start) {
  set_taps_loop<Lanes16, 8>(out, n, src, w, T, start);
}
__attribute__((target("avx512f"))) void tap_products_avx512(float* out, size_t stride, size_t n,
                                                            const float* const* a, const float* const* b,
                                                            const size_t* off, size_t T, size_t I) {
  tap_products_loop<Lanes16, 2>(out, stride, n, a, b, off, T, I);
}
#endif

// One copy of both sums, named as stencil_sums_copy() reports it.
struct Copy {
  const char* name;
  void (*set_taps)(float*, size_t, const float* const*, const float*, size_t, float);
  void (*tap_products)(float*, size_t, size_t, const float* const*, const float* const*, const size_t*, size_t,
                       size_t);
};

// The copy for the GEMM kernel's instruction set (it is only ever one this CPU supports).
const Copy& active_copy() {
  static const Copy plain{"plain", set_taps_plain, tap_products_plain};
#if defined(__x86_64__)
  static const Copy avx2{"avx2", set_taps_avx2, tap_products_avx2};
  static const Copy avx512{"avx512", set_taps_avx512, tap_products_avx512};
  const char* kernel = gemm_kernel_name();
  if (std::strcmp(kernel, "avx512") == 0) return avx512;
  if (std::strcmp(kernel, "avx2") == 0) return avx2;
#endif
  return plain;
}

}  // namespace

const char* stencil_sums_copy() { return active_copy().name; }

void set_taps(float* out, size_t n, const float* const* src, const float* w, size_t T, float start) {
  active_copy().set_taps(out, n, src, w, T, start);
}

void sum_tap_products(float* out, size_t stride, size_t n, const float* const* a, const float* const* b,
                      const size_t* off, size_t T, size_t I) {
  active_copy().tap_products(out, stride, n, a, b, off, T, I);
}

}  // namespace aet::kernels
