// gemm_neon.cpp — the ARM64 (NEON / Advanced SIMD) micro-kernel (panels packed by pack_plain.h).
//
// Compiled only for aarch64 targets (the Makefile picks *_neon.cpp from the compiler's
// target); every ARM64 CPU has NEON, so the driver uses it without a run-time check.
// The blocked loops, the threads and the depth split are the driver's (gemm_driver.cpp;
// micro_kernel.h says what a micro-kernel provides); gemm_naive.cpp says what is computed.
//
// Tile: 8 rows × 12 columns of C in 24 of the 32 128-bit registers (8 rows × 3 vectors of
// 4 floats), plus 3 B vectors and 2 A vectors (the 8 A values of one depth step): 29
// registers. Per depth step, 5 loads feed 24 FMAs (fmla by element), so the FMA pipes and
// not the loads are the limit. BLIS's ARMv8 sgemm uses the same 8×12 shape on Cortex and
// Apple cores; OpenBLAS's 16×4 (Neoverse) needs more loads per FMA.
// Cache blocks: the A panel (kc*8 floats = 8 KB at kc = 256) stays in a 64 KB+ L1d, the
// packed B block (256*768*4 = 768 KB) in L2 (Apple M-series: 4–16 MB shared L2; Neoverse:
// 1 MB per core).
#include <arm_neon.h>

#include <cstddef>

#include "autograd/kernels/micro_kernel.h"
#include "autograd/kernels/pack_plain.h"

namespace aet::kernels {
namespace {

constexpr int kMr = 8;
constexpr int kNr = 12;  // three 4-float vectors

// C(m, n) (+)= a·b for one tile of NV vectors (4*NV columns); m <= 8, n <= 4*NV.
template <int NV>
void micro_kernel(int kc, const float* a, const float* b, float* c, int ldc, bool accumulate, int m, int n) {
    float32x4_t acc[kMr][NV];
    for (int i = 0; i < kMr; ++i)
        for (int v = 0; v < NV; ++v) acc[i][v] = vdupq_n_f32(0.0f);
    for (int k = 0; k < kc; ++k) {
        const float32x4_t a_lo = vld1q_f32(a), a_hi = vld1q_f32(a + 4);
        float32x4_t bv[NV];
        for (int v = 0; v < NV; ++v) bv[v] = vld1q_f32(b + 4 * v);
        for (int v = 0; v < NV; ++v) {  // the lane of an fmla by element must be a constant
            acc[0][v] = vfmaq_laneq_f32(acc[0][v], bv[v], a_lo, 0);
            acc[1][v] = vfmaq_laneq_f32(acc[1][v], bv[v], a_lo, 1);
            acc[2][v] = vfmaq_laneq_f32(acc[2][v], bv[v], a_lo, 2);
            acc[3][v] = vfmaq_laneq_f32(acc[3][v], bv[v], a_lo, 3);
            acc[4][v] = vfmaq_laneq_f32(acc[4][v], bv[v], a_hi, 0);
            acc[5][v] = vfmaq_laneq_f32(acc[5][v], bv[v], a_hi, 1);
            acc[6][v] = vfmaq_laneq_f32(acc[6][v], bv[v], a_hi, 2);
            acc[7][v] = vfmaq_laneq_f32(acc[7][v], bv[v], a_hi, 3);
        }
        a += kMr;
        b += 4 * NV;
    }
    for (int i = 0; i < m; ++i) {
        float* row = c + size_t(i) * ldc;
        for (int v = 0; v < NV; ++v) {
            const int cols = n - 4 * v;  // columns of this vector inside C
            if (cols >= 4) {
                float32x4_t x = acc[i][v];
                if (accumulate) x = vaddq_f32(x, vld1q_f32(row + 4 * v));
                vst1q_f32(row + 4 * v, x);
            } else if (cols > 0) {
                float lanes[4];
                vst1q_f32(lanes, acc[i][v]);
                for (int j = 0; j < cols; ++j) row[4 * v + j] = accumulate ? row[4 * v + j] + lanes[j] : lanes[j];
            }
        }
    }
}

void tile(int kc, const float* a, const float* b, float* c, int ldc, bool accumulate, int m, int n) {
    if (n > 8)
        micro_kernel<3>(kc, a, b, c, ldc, accumulate, m, n);
    else if (n > 4)
        micro_kernel<2>(kc, a, b, c, ldc, accumulate, m, n);
    else
        micro_kernel<1>(kc, a, b, c, ldc, accumulate, m, n);
}

}  // namespace

const MicroKernel neon_micro_kernel = {
    .name = "neon", .mr = kMr, .nr = kNr, .vec = 4,
    .kc_max = 256, .mc_max = 32 * kMr, .nc_max = 64 * kNr,
    .pack_a = pack_a_plain<kMr>, .pack_b = pack_b_plain, .tile = tile,
};

}  // namespace aet::kernels
