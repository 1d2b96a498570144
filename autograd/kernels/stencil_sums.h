// stencil_sums.h — the two register-blocked sums the conv stencil (conv_stencil.cpp) is
// made of, with one copy per instruction set.
//
// Both add the same products in the same order as the plain loops they replace, and
// multiply and add as two roundings (never one fused multiply-add: the Makefile compiles
// stencil_sums.cpp with -ffp-contract=off), so every copy gives the same bits on every CPU
// and thread count. (A NaN gives NaN; which NaN's payload survives where two meet is the
// compiler's choice, and has never been the same across copies.) The copy is chosen to
// follow the GEMM kernel (gemm_kernel_name()): avx512 → 16-float registers, avx2 → 8-float
// registers, else the compiler's generic vectors (SSE2, NEON, wasm SIMD); so
// AET_GEMM_KERNEL=avx2 on an AVX-512 machine runs an AVX2 laptop's path here too.
#pragma once

#include <cstddef>

namespace aet::kernels {

// out[j] = start + Σ_t w[t] · src[t][j]      for j in [0, n), the taps added to start in the
// order t = 0, 1, …, T−1 (the roundings of T axpys one after the other into a buffer filled
// with start; out is only written, never read).
void set_taps(float* out, size_t n, const float* const* src, const float* w, size_t T, float start);

// out[t·stride + j] = Σ_i a[i][j] · b[i][j + off[t]]     for t in [0, T), j in [0, n),
// the images i added to each sum in the order i = 0, 1, …, I−1, from +0.
void sum_tap_products(float* out, size_t stride, size_t n, const float* const* a, const float* const* b,
                      const size_t* off, size_t T, size_t I);

// The copy the two calls above run now: "avx512", "avx2" or "plain".
const char* stencil_sums_copy();

}  // namespace aet::kernels
