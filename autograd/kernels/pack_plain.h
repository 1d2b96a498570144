// pack_plain.h — panel packing in plain C++, for the micro-kernels that need no special
// instructions to pack (gemm_portable.cpp, gemm_neon.cpp). micro_kernel.h describes the
// panel layout. Include it only from files compiled for the baseline target of their
// architecture: an inline body compiled with -mavx2 in one file could otherwise be the
// copy the linker keeps for all of them.
#pragma once
#include <cstddef>

#include "autograd/gemm.h"

namespace aet::kernels {

// dst[k*MR + i] = op(A)(i, k) for rows i < rows, zero for rows <= i < MR.
template <int MR>
void pack_a_plain(Layout layout, const float* A, int lda, int rows, int kc, float* dst) {
  for (int k = 0; k < kc; ++k)
    for (int i = 0; i < MR; ++i)
      dst[k * MR + i] = i >= rows ? 0.0f : layout == Layout::TN ? A[size_t(k) * lda + i] : A[size_t(i) * lda + k];
}

// dst[k*width + j] = op(B)(k, j) for columns j < cols, zero for cols <= j < width.
inline void pack_b_plain(Layout layout, const float* B, int ldb, int cols, int kc, int width, float* dst) {
  for (int k = 0; k < kc; ++k)
    for (int j = 0; j < width; ++j)
      dst[k * width + j] = j >= cols ? 0.0f : layout == Layout::NT ? B[size_t(j) * ldb + k] : B[size_t(k) * ldb + j];
}

}  // namespace aet::kernels
