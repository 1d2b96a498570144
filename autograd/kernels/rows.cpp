// rows.cpp — see rows.h. Compiled with -O3 (the Makefile), which vectorises every loop.
#include "autograd/kernels/rows.h"

namespace aet::kernels {

void add_row(float* __restrict acc, const float* __restrict x, size_t n) {
  for (size_t i = 0; i < n; ++i) acc[i] += x[i];
}

void relu_row(float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = y[i] > 0.0f ? y[i] : 0.0f;
}

void relu_forward_row(float* __restrict y, const float* __restrict x, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void relu_backward_row(float* __restrict dx, const float* __restrict dy, const float* __restrict x,
                       size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const float d = dy[i];  // read unconditionally, so the select becomes a vector blend
    dx[i] += x[i] > 0.0f ? d : 0.0f;
  }
}

void relu_mask_row(float* __restrict dz, const float* __restrict dy, const float* __restrict y,
                   size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const float d = dy[i];  // read unconditionally, so the select becomes a vector blend
    dz[i] = y[i] > 0.0f ? d : 0.0f;
  }
}

void add_scaled(float* __restrict a, const float* __restrict b, float c, size_t n, bool overwrite) {
  if (overwrite)
    for (size_t i = 0; i < n; ++i) a[i] = c * b[i];
  else
    for (size_t i = 0; i < n; ++i) a[i] += c * b[i];
}

}  // namespace aet::kernels
