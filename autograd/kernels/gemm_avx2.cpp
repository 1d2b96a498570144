// gemm_avx2.cpp — the AVX2+FMA micro-kernel and its packing (compiled with -mavx2 -mfma).
//
// The blocked loops, the threads and the depth split are the driver's (gemm_driver.cpp;
// micro_kernel.h says what a micro-kernel provides). Read gemm_naive.cpp first: together
// they compute the same thing, C(M,N) [+]= op(A)·op(B).
//
// Tile: 6 rows × 16 columns of C, held in 12 ymm registers for the whole depth loop.
// Per depth step it loads 2 B vectors and broadcasts 6 A values for 12 FMAs: 15 of the
// 16 ymm registers. Cache blocks: the A panel (kc*6 floats = 9 KB at kc = 384) stays
// in L1 while the packed B block (kc*nc floats, at most 384*1024*4 = 1.5 MB) streams past
// it from L2 or L3 (the driver sizes nc from the caches: gemm_driver.cpp).
// Packing reads A and B in whichever layout they are stored in (NN, TN, NT), so a
// transpose is never materialised: a stored row that must become a panel column is
// moved with 8x8 register transposes.
#include <immintrin.h>

#include <cstddef>

#include "autograd/kernels/micro_kernel.h"

namespace aet::kernels {
namespace {

constexpr int kMr = 6;
constexpr int kNr = 16;  // two ymm vectors

int imin(int a, int b) { return a < b ? a : b; }

// Lane mask with the first `count` (0..8) lanes on, for maskload/maskstore.
__m256i first_lanes(int count) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), lane);
}

// Loads the 8x8 block at src (rows ld apart) transposed: out[k][i] = src[i*ld + k],
// with rows i >= valid read as zeros. The 128-bit halves of rows i and i+4 are loaded
// into one register (the insert runs on the load ports), which leaves two shuffle
// stages (16 shuffles) instead of three.
void load_transposed8x8(const float* src, size_t ld, int valid, __m256 out[8]) {
    auto load4 = [&](int row, int col) {
        return row < valid ? _mm_loadu_ps(src + row * ld + col) : _mm_setzero_ps();
    };
    __m256 t[8];
    for (int i = 0; i < 4; ++i) {  // row i in the low half, row i + 4 in the high half
        t[i] = _mm256_insertf128_ps(_mm256_castps128_ps256(load4(i, 0)), load4(i + 4, 0), 1);
        t[4 + i] = _mm256_insertf128_ps(_mm256_castps128_ps256(load4(i, 4)), load4(i + 4, 4), 1);
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

// Stores the first `width` lanes of x at dst: 8 (a B panel's row) or 6 (an A panel's).
// Packing stores many short rows, so it avoids vmaskmovps stores: AMD's Zen cores run
// them as long micro-code sequences (a GEMM on Zen 3 spent about half its time packing
// with them); only other widths, at the edges, take the masked store.
void store_lanes(float* dst, __m256 x, int width, __m256i mask) {
    if (width == 8) {
        _mm256_storeu_ps(dst, x);
    } else if (width == 6) {
        _mm_storeu_ps(dst, _mm256_castps256_ps128(x));
        _mm_storel_pi(reinterpret_cast<__m64*>(dst + 4), _mm256_extractf128_ps(x, 1));
    } else {
        _mm256_maskstore_ps(dst, mask, x);
    }
}

// dst[k*W + j] = src[k*ld + j] for j < cols, 0 for cols <= j < W (W = 6 or a multiple
// of 8). Used when the stored rows already run along the panel: B in NN/TN, A in TN.
void pack_copy(const float* src, int ld, int cols, int kc, int W, float* dst) {
    for (int j = 0; j < W; j += 8) {
        const int width = imin(8, W - j);
        const int valid = imin(cols - j, width);
        const __m256i load_mask = first_lanes(valid);
        const __m256i store_mask = first_lanes(width);
        for (int k = 0; k < kc; ++k) {
            const float* s = src + size_t(k) * ld + j;
            const __m256 x = valid == 8 ? _mm256_loadu_ps(s) : _mm256_maskload_ps(s, load_mask);
            store_lanes(dst + size_t(k) * W + j, x, width, store_mask);
        }
    }
}

// dst[k*W + r] = src[r*ld + k] for r < rows, 0 for rows <= r < W (W = 6 or a multiple
// of 8). Used when a stored row must become a panel column: A in NN/NT, B in NT.
void pack_transpose(const float* src, int ld, int rows, int kc, int W, float* dst) {
    for (int r0 = 0; r0 < W; r0 += 8) {
        const int width = imin(8, W - r0);           // lanes stored per k
        const int valid = imin(rows - r0, width);    // lanes read from src
        const __m256i store_mask = first_lanes(width);
        const float* s = src + size_t(r0) * ld;
        int k = 0;
        for (; k + 8 <= kc; k += 8) {
            __m256 r[8];
            load_transposed8x8(s + k, size_t(ld), valid, r);
            for (int i = 0; i < 8; ++i)
                store_lanes(dst + size_t(k + i) * W + r0, r[i], width, store_mask);
        }
        for (; k < kc; ++k)
            for (int i = 0; i < width; ++i)
                dst[size_t(k) * W + r0 + i] = i < valid ? s[size_t(i) * ld + k] : 0.0f;
    }
}

// C(m, n) (+)= a·b for one tile: a is a packed A panel (kc x 6), b a packed B panel
// (kc x 8*NV), m <= ROWS <= 6 and n <= 8*NV the part of the tile inside C.
// The ROWS x NV accumulators stay in registers for the whole k loop (all loops over i and
// v are unrolled, so every acc[i][v] is a fixed register). ROWS < 6 serves the last
// panel of a block (a batch of 128 rows ends in a panel of 2): it skips the FMAs of the
// zero rows; each row it computes gets the same FMAs in the same order as at ROWS = 6.
template <int ROWS, int NV>
void micro_kernel(int kc, const float* a, const float* b, float* c, int ldc, bool accumulate,
                  int m, int n) {
    __m256 acc[ROWS][NV];
#pragma GCC unroll 6
    for (int i = 0; i < ROWS; ++i) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_setzero_ps();
        if (i < m) _mm_prefetch(reinterpret_cast<const char*>(c + size_t(i) * ldc), _MM_HINT_T0);
    }
    for (int k = 0; k < kc; ++k) {
        __m256 bv[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) bv[v] = _mm256_load_ps(b + 8 * v);
#pragma GCC unroll 6
        for (int i = 0; i < ROWS; ++i) {
            const __m256 ai = _mm256_broadcast_ss(a + i);
#pragma GCC unroll 2
            for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
        }
        a += kMr;
        b += 8 * NV;
    }
    // Columns of the last vector that lie inside C (n > 8*(NV-1) by construction).
    const int tail = n - 8 * (NV - 1);
    const __m256i last = first_lanes(tail);
#pragma GCC unroll 6
    for (int i = 0; i < ROWS; ++i) {
        if (i >= m) break;
        float* row = c + size_t(i) * ldc;
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) {
            __m256 x = acc[i][v];
            if (tail == 8 || v < NV - 1) {  // whole vector inside C
                if (accumulate) x = _mm256_add_ps(x, _mm256_loadu_ps(row + 8 * v));
                _mm256_storeu_ps(row + 8 * v, x);
            } else {
                if (accumulate) x = _mm256_add_ps(x, _mm256_maskload_ps(row + 8 * v, last));
                _mm256_maskstore_ps(row + 8 * v, last, x);
            }
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

// One B panel: columns [0, cols) of op(B), `width` (8 or 16) wide.
void pack_b(Layout layout, const float* B, int ldb, int cols, int kc, int width, float* dst) {
    if (layout == Layout::NT)  // B stored (N,K): op(B)(k,j) = B[j*ldb + k]
        pack_transpose(B, ldb, cols, kc, width, dst);
    else  // B stored (K,N): op(B)(k,j) = B[k*ldb + j]
        pack_copy(B, ldb, cols, kc, width, dst);
}

template <int NV>
void tile_rows(int kc, const float* a, const float* b, float* c, int ldc, bool accumulate, int m, int n) {
    if (m <= 2)
        micro_kernel<2, NV>(kc, a, b, c, ldc, accumulate, m, n);
    else if (m <= 4)
        micro_kernel<4, NV>(kc, a, b, c, ldc, accumulate, m, n);
    else
        micro_kernel<kMr, NV>(kc, a, b, c, ldc, accumulate, m, n);
}

void tile(int kc, const float* a, const float* b, float* c, int ldc, bool accumulate, int m, int n) {
    if (n > 8)
        tile_rows<2>(kc, a, b, c, ldc, accumulate, m, n);
    else
        tile_rows<1>(kc, a, b, c, ldc, accumulate, m, n);
}

}  // namespace

const MicroKernel avx2_micro_kernel = {
    .name = "avx2", .mr = kMr, .nr = kNr, .vec = 8,
    // 1024 columns: N = 784 (the output layer's dX = dY·Wᵀ) is one block, not two of
    // 392 that each end in a half panel and repack A (NT 0.93× -> 0.97-1.01× OpenBLAS).
    .kc_max = 384, .mc_max = 42 * kMr, .nc_max = 64 * kNr,
    .pack_a = pack_a, .pack_b = pack_b, .tile = tile,
};

}  // namespace aet::kernels
