// gemm_portable.cpp — the micro-kernel in plain C++, for CPUs without a SIMD kernel of their own.
//
// The blocked loops, the threads and the depth split are the driver's (gemm_driver.cpp;
// micro_kernel.h says what a micro-kernel provides); read gemm_avx2.cpp for why the tile
// and the panels look as they do. Here B panels are 8 columns and A panels 6 rows, and
// the 6x8 tile is worked through row by row, each row's 8 sums in a small local array
// the compiler keeps in two SSE registers (the j loop has a fixed trip count of 8, so it
// vectorises at baseline x86-64). About a quarter of the AVX2 kernel's speed.
#include <cstddef>

#include "autograd/kernels/micro_kernel.h"
#include "autograd/kernels/pack_plain.h"

namespace aet::kernels {
namespace {

constexpr int kMr = 6;
constexpr int kNr = 8;

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
    .pack_a = pack_a_plain<kMr>, .pack_b = pack_b_plain, .tile = tile,
};

}  // namespace aet::kernels
