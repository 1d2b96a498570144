// gemm_avx512.cpp — the AVX-512 micro-kernel and its packing (compiled with
// -mavx512f -mavx512vl -mavx512bw -mavx512dq -mavx2 -mfma).
//
// The blocked loops, the threads and the depth split are the driver's (gemm_driver.cpp;
// micro_kernel.h says what a micro-kernel provides). gemm_avx2.cpp is the same idea with
// 256-bit vectors; read gemm_naive.cpp first for what is computed.
//
// Tile: 8 rows × 48 columns of C in 24 zmm accumulators, plus 3 B vectors and embedded
// broadcasts of A: 27 of the 32 zmm registers. Per depth step it issues 24 FMAs for 3
// vector loads and 8 broadcasts, so the two FMA ports, not the loads, are the limit.
// Cache blocks: the A panel (kc*8 floats = 12 KB at kc = 384) stays in L1, the packed B
// block (384*768*4 = 1.2 MB) in L2. The B panel is kc rows of three 16-float vectors,
// contiguous, so its loads stream.
#include <immintrin.h>

#include <cstddef>

#include "autograd/kernels/micro_kernel.h"

namespace aet::kernels {
namespace {

constexpr int kMr = 8;
constexpr int kNr = 48;  // three zmm vectors

int imin(int a, int b) { return a < b ? a : b; }

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

// One A panel: rows [0, rows) of op(A).
void pack_a(Layout layout, const float* A, int lda, int rows, int kc, float* dst) {
    if (layout == Layout::TN)  // A stored (K,M): op(A)(i,k) = A[k*lda + i]
        pack_copy(A, lda, rows, kc, kMr, dst);
    else  // A stored (M,K): op(A)(i,k) = A[i*lda + k]
        pack_transpose(A, lda, rows, kc, kMr, dst);
}

// One B panel: columns [0, cols) of op(B), `width` (16, 32 or 48) wide.
void pack_b(Layout layout, const float* B, int ldb, int cols, int kc, int width, float* dst) {
    if (layout == Layout::NT)  // B stored (N,K): op(B)(k,j) = B[j*ldb + k]
        pack_transpose(B, ldb, cols, kc, width, dst);
    else  // B stored (K,N): op(B)(k,j) = B[k*ldb + j]
        pack_copy(B, ldb, cols, kc, width, dst);
}

void tile(int kc, const float* a, const float* b, float* c, int ldc, bool accumulate, int m, int n) {
    if (n > 32)
        micro_kernel<3>(kc, a, b, c, ldc, accumulate, m, n);
    else if (n > 16)
        micro_kernel<2>(kc, a, b, c, ldc, accumulate, m, n);
    else
        micro_kernel<1>(kc, a, b, c, ldc, accumulate, m, n);
}

}  // namespace

const MicroKernel avx512_micro_kernel = {
    .name = "avx512", .mr = kMr, .nr = kNr, .vec = 16,
    .kc_max = 384, .mc_max = 32 * kMr, .nc_max = 16 * kNr,
    .pack_a = pack_a, .pack_b = pack_b, .tile = tile,
};

}  // namespace aet::kernels
