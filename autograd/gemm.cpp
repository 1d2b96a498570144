// gemm.cpp — gemm(): checks the sizes, picks a kernel for this CPU, splits C over threads.
//
// Kernels (fastest first; the first this CPU supports is used unless one is forced):
//   avx512    gemm_avx512.cpp    needs avx512f/vl/bw/dq (+ avx2, fma)
//   avx2      gemm_avx2.cpp      needs avx2 and fma
//   portable  gemm_portable.cpp  any x86-64 (plain C++, vectorised by the compiler)
// The SIMD files are compiled with extra -m flags, so nothing in them may run before
// the CPU check below; this file is compiled for baseline x86-64.
//
// Threads: C is cut into one slice per thread, along N (a block of columns, all of A,
// the matching columns of B) or along M (a block of rows). Each thread packs what its
// slice reads, so the operand every slice shares is packed once per thread; we cut
// along the longer side of C, which makes that shared operand the smaller one. One
// exception: a short, deep NN product on two threads is cut along K instead
// (gemm_depth_split below), with a bit-identical result.
#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>

#include "autograd/flush_denormals.h"
#include "autograd/gemm.h"
#include "autograd/pack_buffer.h"
#include "autograd/thread_pool.h"

namespace aet {
namespace {

struct Kernel {
    const char* name;
    detail::GemmBlockFn fn;
    int m_align;  // slice boundaries at multiples of the micro-tile, so
    int n_align;  // no slice gets an extra partial tile
    int kc_max;   // the kernel's largest depth block (gemm.h)
    bool (*supported)();
    const char* needs;
};

bool has_avx512() {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
bool has_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
bool always() { return true; }

const Kernel kKernels[] = {
    {"avx512", detail::gemm_block_avx512, 8, 16, detail::kKcMaxAvx512, has_avx512, "AVX-512 (avx512f/vl/bw/dq)"},
    {"avx2", detail::gemm_block_avx2, 6, 16, detail::kKcMaxAvx2, has_avx2, "AVX2 and FMA"},
    {"portable", detail::gemm_block_portable, 6, 16, detail::kKcMaxPortable, always, "nothing"},
};

const Kernel* best_kernel() {
    for (const Kernel& k : kKernels)
        if (k.supported()) return &k;
    return &kKernels[2];
}

std::atomic<const Kernel*> g_forced{nullptr};  // nullptr = "auto"

const Kernel& active_kernel() {
    static const Kernel* const best = best_kernel();
    const Kernel* forced = g_forced.load(std::memory_order_acquire);
    return forced != nullptr ? *forced : *best;
}

// Below this many flops (2*M*N*K) a product runs on one thread: waking a second thread
// and packing twice would cost more than the work it takes over (~10 us of work).
constexpr double kMinParallelFlops = 1.5e6;
// gemm_depth_split() serves products of at most this many rows and columns: C and its
// scratch partial sums stay in the caches (and the scratch buffer stays small).
constexpr int kDepthSplitMaxRows = 256;
constexpr int kDepthSplitMaxCols = 4096;

}  // namespace

// Row kernels over n floats, in full blocks of 8 and then the rest, out of line with
// __restrict parameters: the form GCC's -O2 vectoriser takes (see nn/optim.cpp).
__attribute__((noinline)) static void add_row(float* __restrict c, const float* __restrict b, size_t n) {
    size_t j0 = 0;
    for (; j0 + 8 <= n; j0 += 8)
        for (size_t j = j0; j < j0 + 8; ++j) c[j] += b[j];
    for (size_t j = j0; j < n; ++j) c[j] += b[j];
}

__attribute__((noinline)) static void relu_row(float* __restrict c, size_t n) {
    size_t j0 = 0;
    for (; j0 + 8 <= n; j0 += 8)
        for (size_t j = j0; j < j0 + 8; ++j) c[j] = c[j] > 0.0f ? c[j] : 0.0f;
    for (size_t j = j0; j < n; ++j) c[j] = c[j] > 0.0f ? c[j] : 0.0f;
}

// The epilogue of gemm_bias: C += bias on every row, then C = max(0, C) if relu, on a
// block of C (rows, cols) with row stride ldc; bias (cols) may be nullptr. Each thread runs
// it on its own slice right after computing it, while the slice is still in cache.
static void bias_relu(float* C, int ldc, int rows, int cols, const float* bias, bool relu) {
    for (int r = 0; r < rows; ++r) {
        float* c = C + size_t(r) * ldc;
        if (bias != nullptr) add_row(c, bias, size_t(cols));
        if (relu) relu_row(c, size_t(cols));
    }
}

// Two threads on a short, deep NN product (a batch of <= 256 rows times a weight matrix
// whose K the kernel cuts into 2 or 3 depth blocks, e.g. 400 = 200 + 200, 784 = 262 +
// 261 + 261): split the depth instead of the columns. Cut by columns, each thread packs
// (transposes) the whole batch matrix and reads a column strip of every row of the
// weights. Cut by depth, each packs only its part of A and reads whole rows of B.
//   thread 0: block 0 straight into C (as the kernel would, with `accumulate`)
//   thread 1: block 1 into the scratch matrix P1
//   block 2, if any, into P2: columns split between the two threads
// then C += P1, C += P2 (row halves on the two threads) and the epilogue. The blocks are
// the kernel's own (gemm.h: depth_block_size), each is computed as one block by one
// kernel call, and the kernel adds a later block's register sum to C with one float add,
// as add_row does: the result is bit-identical to one thread's. Measured: VAE training
// step 3-4 % faster on 2 threads (bench/RESULTS.md, round 3).
static void gemm_depth_split(const Kernel& kernel, int M, int N, int K, const float* A, int lda,
                             const float* B, int ldb, float* C, int ldc, bool accumulate,
                             bool epilogue, const float* bias, bool relu) {
    const int blocks = detail::depth_blocks(K, kernel.kc_max);  // 2 or 3
    const int step = detail::depth_block_size(K, kernel.kc_max);
    static thread_local detail::PackBuffer scratch;  // the caller's: it waits for both tasks
    float* P = scratch.get(size_t(blocks - 1) * M * N);
    auto partial = [&](int b) { return P + size_t(b - 1) * M * N; };  // P_b, b >= 1: (M,N)
    // Depth block b (b >= 1 into P_b), columns [j0, j1) of the product.
    auto block = [&](int b, int j0, int j1) {
        const int k0 = b * step, kb = std::min(K, k0 + step) - k0;
        if (j1 <= j0 || kb <= 0) return;
        float* out = b == 0 ? C + j0 : partial(b) + j0;
        kernel.fn(Layout::NN, M, j1 - j0, kb, A + k0, lda, B + size_t(k0) * ldb + j0, ldb, out,
                  b == 0 ? ldc : N, b == 0 && accumulate);
    };
    const int half = N / 32 * 16;  // columns of block 2 for thread 0, a multiple of 16
    parallel_for(2, [&](int t) {
        FlushDenormals ftz;
        block(t, 0, N);
        if (blocks == 3) block(2, t == 0 ? 0 : half, t == 0 ? half : N);
    });
    parallel_for(2, [&](int t) {
        FlushDenormals ftz;  // as inside the kernel, where one thread would do these adds
        const int r0 = M * t / 2, r1 = M * (t + 1) / 2;
        for (int b = 1; b < blocks; ++b)
            for (int r = r0; r < r1; ++r)
                add_row(C + size_t(r) * ldc, partial(b) + size_t(r) * N, size_t(N));
        if (epilogue) bias_relu(C + size_t(r0) * ldc, ldc, r1 - r0, N, bias, relu);
    });
}

// gemm(), with the epilogue of gemm_bias when `epilogue` is set.
static void gemm_impl(Layout layout, int M, int N, int K, const float* A, const float* B, float* C,
                      bool accumulate, bool epilogue, const float* bias, bool relu) {
    if (M < 0 || N < 0 || K < 0)
        throw std::invalid_argument("gemm: negative size M=" + std::to_string(M) +
                                    " N=" + std::to_string(N) + " K=" + std::to_string(K));
    if (M == 0 || N == 0) return;
    const Kernel& kernel = active_kernel();
    // Row strides of the stored matrices (see gemm.h for the layouts).
    const int lda = layout == Layout::TN ? M : K;
    const int ldb = layout == Layout::NT ? K : N;
    const int ldc = N;

    const double flops = 2.0 * M * N * K;
    const bool split_n = N >= M;
    const int align = split_n ? kernel.n_align : kernel.m_align;
    const int units = ((split_n ? N : M) + align - 1) / align;  // tiles along the cut side
    int slices = flops < kMinParallelFlops ? 1 : num_threads();
    if (slices > units) slices = units;
    if (slices <= 1) {
        FlushDenormals ftz;
        kernel.fn(layout, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
        if (epilogue) bias_relu(C, ldc, M, N, bias, relu);
        return;
    }
    const int depth_blocks = detail::depth_blocks(K, kernel.kc_max);
    if (layout == Layout::NN && slices == 2 && (depth_blocks == 2 || depth_blocks == 3) &&
        M <= kDepthSplitMaxRows && N <= kDepthSplitMaxCols) {
        gemm_depth_split(kernel, M, N, K, A, lda, B, ldb, C, ldc, accumulate, epilogue, bias, relu);
        return;
    }
    parallel_for(slices, [&](int t) {
        FlushDenormals ftz;  // per thread: see flush_denormals.h
        // Slice t covers tiles [units*t/slices, units*(t+1)/slices) of the cut side.
        const int extent = split_n ? N : M;
        const int lo = int(long(units) * t / slices) * align;
        const int hi = std::min(int(long(units) * (t + 1) / slices) * align, extent);
        if (split_n) {  // columns [lo, hi) of C and of op(B)
            const float* b = layout == Layout::NT ? B + size_t(lo) * ldb : B + lo;
            kernel.fn(layout, M, hi - lo, K, A, lda, b, ldb, C + lo, ldc, accumulate);
            if (epilogue) bias_relu(C + lo, ldc, M, hi - lo, bias ? bias + lo : nullptr, relu);
        } else {  // rows [lo, hi) of C and of op(A)
            const float* a = layout == Layout::TN ? A + lo : A + size_t(lo) * lda;
            kernel.fn(layout, hi - lo, N, K, a, lda, B, ldb, C + size_t(lo) * ldc, ldc,
                      accumulate);
            if (epilogue) bias_relu(C + size_t(lo) * ldc, ldc, hi - lo, N, bias, relu);
        }
    });
}

void gemm(Layout layout, int M, int N, int K, const float* A, const float* B, float* C,
          bool accumulate) {
    gemm_impl(layout, M, N, K, A, B, C, accumulate, false, nullptr, false);
}

void gemm_bias(int M, int N, int K, const float* A, const float* B, const float* bias, bool relu,
               float* C) {
    gemm_impl(Layout::NN, M, N, K, A, B, C, false, true, bias, relu);
}

const char* gemm_kernel_name() { return active_kernel().name; }

void gemm_force_kernel(const char* name) {
    const std::string wanted = name == nullptr ? "" : name;
    if (wanted == "auto") {
        g_forced.store(nullptr, std::memory_order_release);
        return;
    }
    for (const Kernel& k : kKernels) {
        if (wanted != k.name) continue;
        if (!k.supported())
            throw std::invalid_argument("gemm_force_kernel: kernel '" + wanted + "' needs " +
                                        k.needs + ", which this CPU does not support");
        g_forced.store(&k, std::memory_order_release);
        return;
    }
    throw std::invalid_argument("gemm_force_kernel: unknown kernel '" + wanted +
                                "' (expected auto, avx512, avx2 or portable)");
}

}  // namespace aet
