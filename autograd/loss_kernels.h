// loss_kernels.h — the element loops of bce_with_logits and of sigmoid (the autoencoder's
// output, which feeds its loss), each in two versions: the plain reference, one element at
// a time with libm, and an AVX2+FMA one in intrinsics (loss_kernels_avx2.cpp). The *_fast
// functions pick the AVX2 one on CPUs that have it, else the plain one.
// tests/test_fast_paths.cpp checks one against the other. Op authors only; students read
// ops_loss.cpp and ops_unary.cpp.
#pragma once
#include <cstddef>

namespace aet::detail {

// Over n elements of logits L and targets T: returns Σ ℓ (see ops_loss.cpp), writes
// sig_minus_t[i] = σ(L[i]) − T[i], and adds to *bad the number of targets outside [0,1].
double bce_logits_plain(const float* L, const float* T, float* sig_minus_t, size_t n, size_t* bad);
double bce_logits_fast(const float* L, const float* T, float* sig_minus_t, size_t n, size_t* bad);
// Needs AVX2 and FMA (call bce_logits_fast, which checks).
double bce_logits_avx2(const float* L, const float* T, float* sig_minus_t, size_t n, size_t* bad);
bool cpu_has_avx2_fma();

// Y[i] = σ(X[i]) over n elements.
void sigmoid_plain(const float* X, float* Y, size_t n);
void sigmoid_fast(const float* X, float* Y, size_t n);
void sigmoid_avx2(const float* X, float* Y, size_t n);  // needs AVX2 and FMA

}  // namespace aet::detail
