// rows.h — the element-wise loops the other kernels are made of, over n floats.
//
// Plain loops with __restrict pointers (the arrays never overlap), in rows.cpp, which the
// Makefile compiles with -O3 like every file in autograd/kernels/: at -O3 GCC vectorises
// a loop of any length (vector body, then a scalar tail) and clang does so at -O2. At -O2
// GCC 12 only takes loops whose trip count is a known multiple of the vector width, which
// is why this code used to be written in hand-made blocks of 8.
#pragma once
#include <cstddef>
#include <cstring>

namespace aet::kernels {

// acc += x
void add_row(float* __restrict acc, const float* __restrict x, size_t n);
// y = max(0, y)
void relu_row(float* y, size_t n);
// y = max(0, x)                 (the relu op's forward)
void relu_forward_row(float* __restrict y, const float* __restrict x, size_t n);
// dx += dy where x > 0          (the relu op's backward)
void relu_backward_row(float* __restrict dx, const float* __restrict dy, const float* __restrict x,
                       size_t n);
// dz = dy where y > 0, else 0   (the ReLU backward, given the ReLU's output y)
void relu_mask_row(float* __restrict dz, const float* __restrict dy, const float* __restrict y,
                   size_t n);
// a += c·b, or a = c·b when overwrite (a gradient nothing has written yet)
void add_scaled(float* __restrict a, const float* __restrict b, float c, size_t n, bool overwrite);

// dst = src for a short row (tens of floats), in inline moves. std::copy_n and memcpy call
// libc's memmove, whose set-up costs as much as copying such a row; the conv kernels copy
// hundreds of thousands of them per batch (perf on a Zen 5: memmove was a quarter of the
// stencil layer's time). Inline, so that it is one call away and no call at all.
inline void copy_row(float* __restrict dst, const float* __restrict src, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) std::memcpy(dst + i, src + i, 8 * sizeof(float));
  if (i + 4 <= n) std::memcpy(dst + i, src + i, 4 * sizeof(float)), i += 4;
  if (i + 2 <= n) std::memcpy(dst + i, src + i, 2 * sizeof(float)), i += 2;
  if (i < n) dst[i] = src[i];
}

// dst = 0 for a short row, in inline moves, for the same reason (GCC turns a loop of zero
// stores into a call to memset).
inline void zero_row(float* dst, size_t n) {
  static constexpr float zeros[8] = {};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) std::memcpy(dst + i, zeros, 8 * sizeof(float));
  if (i + 4 <= n) std::memcpy(dst + i, zeros, 4 * sizeof(float)), i += 4;
  if (i + 2 <= n) std::memcpy(dst + i, zeros, 2 * sizeof(float)), i += 2;
  if (i < n) dst[i] = 0.0f;
}

}  // namespace aet::kernels
