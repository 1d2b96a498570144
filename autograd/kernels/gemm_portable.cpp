// gemm_portable.cpp — the micro-kernel in plain C++, for CPUs without AVX2/FMA.
//
// The blocked loops, the threads and the depth split are the driver's (gemm_driver.cpp;
// micro_kernel.h says what a micro-kernel provides); read gemm_avx2.cpp for why the tile
// and the panels look as they do. Here B panels are 8 columns and A panels 6 rows, and
// the 6x8 tile is worked through row by row, each row's 8 sums in a small local array
// the compiler keeps in two SSE registers (the j loop has a fixed trip count of 8, so it
// vectorises at baseline x86-64). About a quarter of the AVX2 kernel's speed.
#include <cstddef>

#include "autograd/kernels/micro_kernel.h"

namespace aet::kernels {
namespace {

constexpr int kMr = 6;
constexpr int kNr = 8;

// dst[k*6 + i] = op(A)(i, k), rows past `rows` zero.
void pack_a(Layout layout, const float* A, int lda, int rows, int kc, float* dst) {
    for (int k = 0; k < kc; ++k)
        for (int i = 0; i < kMr; ++i)
            dst[k * kMr + i] = i >= rows                ? 0.0f
                               : layout == Layout::TN ? A[size_t(k) * lda + i]
                                                      : A[size_t(i) * lda + k];
}

// dst[k*8 + j] = op(B)(k, j), columns past `cols` zero (width is always 8 here).
void pack_b(Layout layout, const float* B, int ldb, int cols, int kc, int /*width*/, float* dst) {
    for (int k = 0; k < kc; ++k)
        for (int j = 0; j < kNr; ++j)
            dst[k * kNr + j] = j >= cols                ? 0.0f
                               : layout == Layout::NT ? B[size_t(j) * ldb + k]
                                                      : B[size_t(k) * ldb + j];
}

// C(m, n) (+)= a·b for one 6x8 tile. The B panel is re-read for each row, from L1.
void tile(int kc, const float* a, const float* b, float* c, int ldc, bool accumulate, int m, int n) {
    for (int i = 0; i < m; ++i) {
        float acc[kNr] = {};
        for (int k = 0; k < kc; ++k) {
            const float aik = a[k * kMr + i];
            for (int j = 0; j < kNr; ++j) acc[j] += aik * b[k * kNr + j];
        }
        float* out = c + size_t(i) * ldc;
        for (int j = 0; j < n; ++j) out[j] = accumulate ? out[j] + acc[j] : acc[j];
    }
}

}  // namespace

const MicroKernel portable_micro_kernel = {
    .name = "portable", .mr = kMr, .nr = kNr, .vec = kNr,
    .kc_max = 256, .mc_max = 42 * kMr, .nc_max = 64 * kNr,
    .pack_a = pack_a, .pack_b = pack_b, .tile = tile,
};

}  // namespace aet::kernels
