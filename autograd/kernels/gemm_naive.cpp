// gemm_naive.cpp — the reference matrix product: three loops, no blocking, no SIMD.
//
// Every fast kernel (gemm_portable.cpp, gemm_avx2.cpp, gemm_avx512.cpp) is tested
// against this one. Each output is summed in double so the reference itself carries
// almost no rounding error.
//   NN  C(M,N) [+]= A(M,K)·B(K,N)     A[i][k] = A[i*K + k]   B[k][j] = B[k*N + j]
//   TN  C(M,N) [+]= Aᵀ·B, A is (K,M)  Aᵀ[i][k] = A[k*M + i]
//   NT  C(M,N) [+]= A·Bᵀ, B is (N,K)  Bᵀ[k][j] = B[j*K + k]
#include "autograd/gemm.h"

#include <stdexcept>
#include <string>

namespace aet {

void gemm_naive(Layout layout, int M, int N, int K, const float* A, const float* B, float* C,
                bool accumulate) {
    if (M < 0 || N < 0 || K < 0)
        throw std::invalid_argument("gemm_naive: negative size M=" + std::to_string(M) +
                                    " N=" + std::to_string(N) + " K=" + std::to_string(K));
    for (int i = 0; i < M; ++i) {
        for (int j = 0; j < N; ++j) {
            double sum = 0.0;
            for (int k = 0; k < K; ++k) {
                const float a = layout == Layout::TN ? A[size_t(k) * M + i] : A[size_t(i) * K + k];
                const float b = layout == Layout::NT ? B[size_t(j) * K + k] : B[size_t(k) * N + j];
                sum += double(a) * double(b);
            }
            float& c = C[size_t(i) * N + j];
            c = accumulate ? float(double(c) + sum) : float(sum);
        }
    }
}

}  // namespace aet
