// gemm.h — the matrix products under every matmul op.
//
// All matrices are contiguous and row-major; a transpose is a separate kernel
// variant, never a strided view.
//   Layout::NN   C(M,N) [+]= A(M,K) · B(K,N)
//   Layout::TN   C(M,N) [+]= Aᵀ·B   with A stored (K,M), B stored (K,N)
//   Layout::NT   C(M,N) [+]= A·Bᵀ   with A stored (M,K), B stored (N,K)
// `accumulate` = false overwrites C, true adds into it (backward passes use +=).
//
// gemm() picks the fastest kernel this CPU supports at run time (AVX2+FMA, else
// the portable one) and splits the work over the thread pool. gemm_naive() is the
// three-loop reference that every fast kernel is tested against.
#pragma once

namespace aet {

enum class Layout { NN, TN, NT };

// The reference: three loops, double accumulation, no blocking. Read this first.
void gemm_naive(Layout layout, int M, int N, int K, const float* A, const float* B, float* C,
                bool accumulate);

// The fast path used by the ops (dispatch + threads).
void gemm(Layout layout, int M, int N, int K, const float* A, const float* B, float* C,
          bool accumulate);

// C(M,N) = A·B + bias, then max(0, C) if relu; bias (N) is added to every row, or is
// nullptr for none. The forward of linear and linear_relu: each thread applies bias and
// ReLU to its slice of C right after computing it (in cache, and in parallel) instead of
// a separate pass over C.
void gemm_bias(int M, int N, int K, const float* A, const float* B, const float* bias, bool relu,
               float* C);

// Which kernel gemm() is using: "avx2", "portable" (or another name a kernel reports).
const char* gemm_kernel_name();

// Force a kernel (for tests and benchmarks): "auto", "avx2", "portable".
// Throws std::invalid_argument for a name this CPU cannot run.
void gemm_force_kernel(const char* name);

// The kernels behind gemm(), one per file (gemm_portable.cpp, gemm_avx2.cpp,
// gemm_avx512.cpp). Each computes one block of C single-threaded, with explicit row
// strides (lda, ldb, ldc, in floats) so gemm() can hand each thread a slice of C.
// Call gemm() instead; these do no checks, and the SIMD ones need the CPU feature.
namespace detail {
// The largest depth block (kc) of each kernel. A kernel cuts K into ceil(K / kc_max)
// equal blocks of ceil(K / blocks) and adds each later block's sum to C; gemm() relies on
// these exact boundaries when it splits K over threads (gemm_depth_split in gemm.cpp).
inline constexpr int kKcMaxPortable = 256;
inline constexpr int kKcMaxAvx2 = 384;
inline constexpr int kKcMaxAvx512 = 384;
inline int depth_blocks(int K, int kc_max) { return (K + kc_max - 1) / kc_max; }
inline int depth_block_size(int K, int kc_max) {
    const int blocks = depth_blocks(K, kc_max);
    return (K + blocks - 1) / blocks;
}

using GemmBlockFn = void (*)(Layout layout, int M, int N, int K, const float* A, int lda,
                             const float* B, int ldb, float* C, int ldc, bool accumulate);
void gemm_block_portable(Layout layout, int M, int N, int K, const float* A, int lda,
                         const float* B, int ldb, float* C, int ldc, bool accumulate);
void gemm_block_avx2(Layout layout, int M, int N, int K, const float* A, int lda,
                     const float* B, int ldb, float* C, int ldc, bool accumulate);
void gemm_block_avx512(Layout layout, int M, int N, int K, const float* A, int lda,
                       const float* B, int ldb, float* C, int ldc, bool accumulate);
}  // namespace detail

}  // namespace aet
