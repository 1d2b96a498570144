// gemm.h — the matrix products under every matmul op.
//
// All matrices are contiguous and row-major; a transpose is a separate layout, never a
// strided view.
//   Layout::NN   C(M,N) [+]= A(M,K) · B(K,N)
//   Layout::TN   C(M,N) [+]= Aᵀ·B   with A stored (K,M), B stored (K,N)
//   Layout::NT   C(M,N) [+]= A·Bᵀ   with A stored (M,K), B stored (N,K)
// `accumulate` = false overwrites C, true adds into it (backward passes use +=).
//
// gemm_naive() is the three-loop reference; read it first (autograd/kernels/gemm_naive.cpp).
// gemm() computes the same product with the fastest micro-kernel this CPU supports
// (AVX-512, else AVX2+FMA, else portable C++) under one blocked, threaded driver
// (autograd/kernels/gemm_driver.cpp); tests/test_gemm.cpp checks every kernel against
// the reference.
#pragma once
#include <string>

namespace aet {

enum class Layout { NN, TN, NT };

// The reference: three loops, double accumulation, no blocking.
void gemm_naive(Layout layout, int M, int N, int K, const float* A, const float* B, float* C,
                bool accumulate);

// The fast path used by the ops (kernel choice, cache blocking, threads).
void gemm(Layout layout, int M, int N, int K, const float* A, const float* B, float* C,
          bool accumulate);

// C(M,N) = A·B + bias, then max(0, C) if relu; bias (N) is added to every row, or is
// nullptr for none. The forward of linear and linear_relu: each thread applies bias and
// ReLU to its slice of C right after computing it (in cache, and in parallel) instead of
// a separate pass over C.
void gemm_bias(int M, int N, int K, const float* A, const float* B, const float* bias, bool relu,
               float* C);

// Which kernel gemm() is using: "avx512", "avx2", "neon" or "portable".
const char* gemm_kernel_name();
// One line on the kernel and its blocking, with the cache sizes read from this CPU
// (bench and `make doctor` print it).
std::string gemm_describe();

// Force a kernel (tests, benchmarks): "auto", "avx512", "avx2", "portable". The
// environment variable AET_GEMM_KERNEL does the same for a whole run, e.g.
// `AET_GEMM_KERNEL=portable make test`. Throws std::invalid_argument for an unknown
// name or one this CPU cannot run.
void gemm_force_kernel(const char* name);

}  // namespace aet
