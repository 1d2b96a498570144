// gemm_portable.cpp — the blocked matrix product in plain C++, for CPUs without AVX2/FMA.
//
// Same structure as gemm_avx2.cpp (read that one for the why), minus the intrinsics:
// B is packed into k-major panels of 8 columns and A into k-major panels of 6 rows,
// and a 6x8 micro-kernel works through its tile row by row, keeping each row's 8 sums
// in SSE registers (the inner loop has a fixed trip count of 8, so the compiler
// vectorises it at baseline x86-64). About a quarter of the AVX2 kernel's speed.
// Edges are handled by zero-padding the panels and writing only the part of a tile
// that lies inside C.
#include <cstddef>

#include "autograd/gemm.h"
#include "autograd/pack_buffer.h"

namespace aet::detail {
namespace {

// A 6x8 tile: an A panel of 6 rows and a B panel of 8 columns (two SSE vectors).
constexpr int kMr = 6;
constexpr int kNr = 8;
constexpr int kKcMax = kKcMaxPortable;  // gemm.h: gemm() relies on it
constexpr int kNcMax = 64 * kNr;  // 512
constexpr int kMcMax = 42 * kMr;  // 252

int imin(int a, int b) { return a < b ? a : b; }
int ceil_div(int a, int b) { return (a + b - 1) / b; }
int round_up(int a, int b) { return ceil_div(a, b) * b; }

// One packing buffer per thread and operand (autograd/pack_buffer.h).
thread_local PackBuffer t_pack_a;
thread_local PackBuffer t_pack_b;

// Packs op(A)(mc, kc) into panels of kc x 6: dst[k*6 + i] = op(A)(i, k), zero-padded.
void pack_a(Layout layout, const float* A, int lda, int mc, int kc, float* dst) {
    for (int i0 = 0; i0 < mc; i0 += kMr, dst += size_t(kc) * kMr) {
        const int rows = imin(kMr, mc - i0);
        for (int k = 0; k < kc; ++k)
            for (int i = 0; i < kMr; ++i) {
                const int r = i0 + i;
                dst[k * kMr + i] = i >= rows                ? 0.0f
                                   : layout == Layout::TN ? A[size_t(k) * lda + r]
                                                          : A[size_t(r) * lda + k];
            }
    }
}

// Packs op(B)(kc, nc) into panels of kc x 8: dst[k*8 + j] = op(B)(k, j), zero-padded.
void pack_b(Layout layout, const float* B, int ldb, int nc, int kc, float* dst) {
    for (int j0 = 0; j0 < nc; j0 += kNr, dst += size_t(kc) * kNr) {
        const int cols = imin(kNr, nc - j0);
        for (int k = 0; k < kc; ++k)
            for (int j = 0; j < kNr; ++j) {
                const int c = j0 + j;
                dst[k * kNr + j] = j >= cols                ? 0.0f
                                   : layout == Layout::NT ? B[size_t(c) * ldb + k]
                                                          : B[size_t(k) * ldb + c];
            }
    }
}

// C(m, n) (+)= a·b for one 6x8 tile; m <= 6 and n <= 8 are the part inside C.
// One row of the tile at a time: its 8 sums are a small local array that the compiler
// keeps in two SSE registers for the whole k loop (the j loop has a fixed trip count,
// so it becomes two vector multiply-adds). The B panel is re-read for each row, from L1.
void micro_kernel(int kc, const float* a, const float* b, float* c, int ldc, bool accumulate,
                  int m, int n) {
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

void gemm_block_portable(Layout layout, int M, int N, int K, const float* A, int lda,
                         const float* B, int ldb, float* C, int ldc, bool accumulate) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        if (!accumulate)
            for (int i = 0; i < M; ++i)
                for (int j = 0; j < N; ++j) C[size_t(i) * ldc + j] = 0.0f;
        return;
    }
    const int kc_step = depth_block_size(K, kKcMax);
    const int nc_step = round_up(ceil_div(N, ceil_div(N, kNcMax)), kNr);
    const int mc_step = round_up(ceil_div(M, ceil_div(M, kMcMax)), kMr);
    float* a_pack = t_pack_a.get(size_t(imin(round_up(M, kMr), mc_step)) * kc_step);
    float* b_pack = t_pack_b.get(size_t(imin(round_up(N, kNr), nc_step)) * kc_step);

    for (int jc = 0; jc < N; jc += nc_step) {
        const int nc = imin(nc_step, N - jc);
        for (int pc = 0; pc < K; pc += kc_step) {
            const int kc = imin(kc_step, K - pc);
            const bool add = accumulate || pc > 0;  // later depth blocks add to the first
            const float* b_src = layout == Layout::NT ? B + size_t(jc) * ldb + pc
                                                      : B + size_t(pc) * ldb + jc;
            pack_b(layout, b_src, ldb, nc, kc, b_pack);
            for (int ic = 0; ic < M; ic += mc_step) {
                const int mc = imin(mc_step, M - ic);
                const float* a_src = layout == Layout::TN ? A + size_t(pc) * lda + ic
                                                          : A + size_t(ic) * lda + pc;
                pack_a(layout, a_src, lda, mc, kc, a_pack);
                for (int ir = 0; ir < mc; ir += kMr)
                    for (int jr = 0; jr < nc; jr += kNr)
                        micro_kernel(kc, a_pack + size_t(ir) * kc, b_pack + size_t(jr) * kc,
                                     C + size_t(ic + ir) * ldc + jc + jr, ldc, add,
                                     imin(kMr, mc - ir), imin(kNr, nc - jr));
            }
        }
    }
}

}  // namespace aet::detail
