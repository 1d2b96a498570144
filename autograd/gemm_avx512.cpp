// gemm_avx512.cpp — the AVX-512 matrix product (compiled with -mavx512f ... -mfma).
//
// gemm() selects this kernel at run time when the CPU reports avx512f; gemm_avx2.cpp
// has the same structure with 256-bit vectors for CPUs without AVX-512. Read
// gemm_naive.cpp first: this computes the same thing, C(M,N) [+]= op(A)·op(B).
//
// Structure (the classic Goto/BLIS scheme):
//   for each column block of C      (nc <= kNcMax columns)
//     for each depth block          (kc <= kKcMax)
//       pack B(kc, nc) into panels of 48 columns, k-major: the panel is read as
//         kc rows of three 16-float vectors, contiguous, so the loads stream
//       for each row block of C     (mc <= kMcMax rows)
//         pack A(mc, kc) into panels of 8 rows, k-major: 8 floats per k
//         for each 8-row A panel       (stays in L1: kc*8 floats = 12 KB)
//           for each 48-column B panel (streams from L2: the B block is ~1.2 MB)
//             micro-kernel: an 8x48 tile of C held in 24 zmm registers
// Packing reads A and B in whichever layout they are stored in (NN, TN, NT), so a
// transpose is never materialised: a stored row that must become a column is moved
// with 8x8 register transposes while packing.
//
// Edges: panels are zero-padded to 8 rows and to a multiple of 16 columns, so the
// micro-kernel always runs full length; when writing C it skips missing rows and
// masks the missing columns of the last vector. Any M, N, K >= 1 works.
#include <immintrin.h>

#include <cstddef>

#include "autograd/gemm.h"
#include "autograd/pack_buffer.h"

namespace aet::detail {
namespace {

// Micro-tile: kMr rows by up to kNv 16-float vectors. 8x48 uses 24 accumulators,
// 3 B vectors and embedded broadcasts of A: 27 of the 32 zmm registers. Per k it
// issues 24 FMAs for 3 vector loads + 8 broadcasts, so the two FMA ports, not the
// loads, are the limit.
constexpr int kMr = 8;
constexpr int kNv = 3;
constexpr int kNr = 16 * kNv;  // 48
// Cache blocks for a core with 48 KB L1d and 2 MB L2 (lscpu on the target machine):
// the packed A panel (kc*8 floats = 12 KB) stays in L1, the packed B block
// (kc*nc floats, 384*768*4 = 1.2 MB) stays in L2.
constexpr int kKcMax = kKcMaxAvx512;  // gemm.h: gemm() relies on it
constexpr int kNcMax = 16 * kNr;  // 768
constexpr int kMcMax = 32 * kMr;  // 256: bounds the A buffer only (A panels live in L1)

int imin(int a, int b) { return a < b ? a : b; }
int ceil_div(int a, int b) { return (a + b - 1) / b; }
int round_up(int a, int b) { return ceil_div(a, b) * b; }

// One packing buffer per thread and operand (autograd/pack_buffer.h).
thread_local PackBuffer t_pack_a;
thread_local PackBuffer t_pack_b;

// Loads the 8x8 block at src (rows ld apart) transposed: out[k][i] = src[i*ld + k].
// The 128-bit halves of rows i and i+4 are loaded into one register (the insert runs
// on the load ports), which leaves two shuffle stages (16 shuffles) instead of three.
void load_transposed8x8(const float* src, size_t ld, __m256 out[8]) {
    __m256 t[8];
    for (int i = 0; i < 4; ++i) {
        const float* lo = src + i * ld;        // row i
        const float* hi = src + (i + 4) * ld;  // row i + 4
        t[i] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(lo)), _mm_loadu_ps(hi), 1);
        t[4 + i] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(lo + 4)),
                                        _mm_loadu_ps(hi + 4), 1);
    }
    for (int h = 0; h < 2; ++h) {  // h = 0: columns 0..3, h = 1: columns 4..7
        const __m256 u0 = _mm256_unpacklo_ps(t[4 * h + 0], t[4 * h + 1]);
        const __m256 u1 = _mm256_unpackhi_ps(t[4 * h + 0], t[4 * h + 1]);
        const __m256 u2 = _mm256_unpacklo_ps(t[4 * h + 2], t[4 * h + 3]);
        const __m256 u3 = _mm256_unpackhi_ps(t[4 * h + 2], t[4 * h + 3]);
        out[4 * h + 0] = _mm256_shuffle_ps(u0, u2, 0x44);
        out[4 * h + 1] = _mm256_shuffle_ps(u0, u2, 0xEE);
        out[4 * h + 2] = _mm256_shuffle_ps(u1, u3, 0x44);
        out[4 * h + 3] = _mm256_shuffle_ps(u1, u3, 0xEE);
    }
}

// dst[k*W + j] = src[k*ld + j] for j < cols, 0 for cols <= j < W (W a multiple of 8).
// Used when the stored rows already run along the panel: B in NN/TN, A in TN.
void pack_copy(const float* src, int ld, int cols, int kc, int W, float* dst) {
    for (int k = 0; k < kc; ++k) {
        const float* s = src + size_t(k) * ld;
        float* d = dst + size_t(k) * W;
        for (int j = 0; j < W; j += 8) {
            const int valid = cols - j;
            const __mmask8 mask = valid >= 8 ? 0xff : valid <= 0 ? 0 : __mmask8((1u << valid) - 1);
            _mm256_store_ps(d + j, _mm256_maskz_loadu_ps(mask, s + j));
        }
    }
}

// dst[k*W + r] = src[r*ld + k] for r < rows, 0 for rows <= r < W (W a multiple of 8).
// Used when a stored row must become a panel column: A in NN/NT, B in NT.
void pack_transpose(const float* src, int ld, int rows, int kc, int W, float* dst) {
    for (int r0 = 0; r0 < W; r0 += 8) {
        const int valid = imin(rows - r0, 8);
        int k = 0;
        if (valid == 8) {
            const float* s = src + size_t(r0) * ld;
            for (; k + 8 <= kc; k += 8) {
                __m256 r[8];
                load_transposed8x8(s + k, size_t(ld), r);
                for (int i = 0; i < 8; ++i) _mm256_store_ps(dst + size_t(k + i) * W + r0, r[i]);
            }
        }
        for (; k < kc; ++k)
            for (int i = 0; i < 8; ++i)
                dst[size_t(k) * W + r0 + i] = i < valid ? src[size_t(r0 + i) * ld + k] : 0.0f;
    }
}

// Packs op(A)(mc, kc) into mc/8 panels of kc*8 floats. A points at op(A)(0, 0).
void pack_a(Layout layout, const float* A, int lda, int mc, int kc, float* dst) {
    for (int i = 0; i < mc; i += kMr, dst += size_t(kc) * kMr) {
        const int rows = imin(kMr, mc - i);
        if (layout == Layout::TN)  // A stored (K,M): op(A)(i,k) = A[k*lda + i]
            pack_copy(A + i, lda, rows, kc, kMr, dst);
        else  // A stored (M,K): op(A)(i,k) = A[i*lda + k]
            pack_transpose(A + size_t(i) * lda, lda, rows, kc, kMr, dst);
    }
}

// Width of the packed B panel that starts at column j of an nc-wide block.
int panel_width(int nc, int j) { return round_up(imin(kNr, nc - j), 16); }

// Packs op(B)(kc, nc) into panels of up to 48 columns (kc*width floats each).
void pack_b(Layout layout, const float* B, int ldb, int nc, int kc, float* dst) {
    for (int j = 0; j < nc; j += kNr) {
        const int width = panel_width(nc, j), cols = imin(kNr, nc - j);
        if (layout == Layout::NT)  // B stored (N,K): op(B)(k,j) = B[j*ldb + k]
            pack_transpose(B + size_t(j) * ldb, ldb, cols, kc, width, dst);
        else  // B stored (K,N): op(B)(k,j) = B[k*ldb + j]
            pack_copy(B + j, ldb, cols, kc, width, dst);
        dst += size_t(kc) * width;
    }
}

// C(m, n) (+)= a·b for one tile: a is a packed A panel (kc x 8), b a packed B panel
// (kc x 16*NV), m <= 8 and n <= 16*NV the part of the tile inside C.
// The 8 x NV accumulators stay in registers for the whole k loop (all loops over i and
// v are unrolled, so every acc[i][v] is a fixed register).
template <int NV>
void micro_kernel(int kc, const float* a, const float* b, float* c, int ldc, bool accumulate,
                  int m, int n) {
    __m512 acc[kMr][NV];
#pragma GCC unroll 8
    for (int i = 0; i < kMr; ++i) {
#pragma GCC unroll 3
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
        if (i < m) _mm_prefetch(reinterpret_cast<const char*>(c + size_t(i) * ldc), _MM_HINT_T0);
    }
    for (int k = 0; k < kc; ++k) {
        __m512 bv[NV];
#pragma GCC unroll 3
        for (int v = 0; v < NV; ++v) bv[v] = _mm512_load_ps(b + 16 * v);
#pragma GCC unroll 8
        for (int i = 0; i < kMr; ++i) {
            const __m512 ai = _mm512_set1_ps(a[i]);
#pragma GCC unroll 3
            for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
        }
        a += kMr;
        b += 16 * NV;
    }
    // Columns of the last vector that lie inside C (n > 16*(NV-1) by construction).
    const int tail = n - 16 * (NV - 1);
    const __mmask16 last = tail >= 16 ? __mmask16(0xffff) : __mmask16((1u << tail) - 1);
#pragma GCC unroll 8
    for (int i = 0; i < kMr; ++i) {
        if (i >= m) break;
        float* row = c + size_t(i) * ldc;
#pragma GCC unroll 3
        for (int v = 0; v < NV; ++v) {
            const __mmask16 mask = v == NV - 1 ? last : __mmask16(0xffff);
            __m512 x = acc[i][v];
            if (accumulate) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, row + 16 * v));
            _mm512_mask_storeu_ps(row + 16 * v, mask, x);
        }
    }
}

}  // namespace

void gemm_block_avx512(Layout layout, int M, int N, int K, const float* A, int lda,
                       const float* B, int ldb, float* C, int ldc, bool accumulate) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        if (!accumulate)
            for (int i = 0; i < M; ++i)
                for (int j = 0; j < N; ++j) C[size_t(i) * ldc + j] = 0.0f;
        return;
    }
    // Equal-sized blocks: 784 = 262 + 261 + 261, not 384 + 384 + a sliver of 16.
    const int kc_step = depth_block_size(K, kKcMax);
    const int nc_step = round_up(ceil_div(N, ceil_div(N, kNcMax)), 16);
    const int mc_step = round_up(ceil_div(M, ceil_div(M, kMcMax)), kMr);
    float* a_pack = t_pack_a.get(size_t(imin(round_up(M, kMr), mc_step)) * kc_step);
    float* b_pack = t_pack_b.get(size_t(round_up(imin(N, nc_step), 16)) * kc_step);

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
                for (int ir = 0; ir < mc; ir += kMr) {
                    const float* a_panel = a_pack + size_t(ir) * kc;
                    const float* b_panel = b_pack;
                    const int m = imin(kMr, mc - ir);
                    for (int jr = 0; jr < nc; jr += kNr) {
                        const int width = panel_width(nc, jr), n = imin(kNr, nc - jr);
                        float* c = C + size_t(ic + ir) * ldc + jc + jr;
                        switch (width / 16) {
                            case 3: micro_kernel<3>(kc, a_panel, b_panel, c, ldc, add, m, n); break;
                            case 2: micro_kernel<2>(kc, a_panel, b_panel, c, ldc, add, m, n); break;
                            default: micro_kernel<1>(kc, a_panel, b_panel, c, ldc, add, m, n); break;
                        }
                        b_panel += size_t(kc) * width;
                    }
                }
            }
        }
    }
}

}  // namespace aet::detail
