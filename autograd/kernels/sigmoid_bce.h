// sigmoid_bce.h — the kernels behind sigmoid (the autoencoder's output) and
// bce_with_logits (its loss): autograd/ops_unary.cpp and autograd/ops_loss.cpp.
//
// Each element loop comes twice: the plain reference, one element at a time with libm,
// and an AVX2+FMA version in intrinsics (sigmoid_bce_avx2.cpp: the auto-vectoriser leaves
// exp and log1p scalar). The *_fast functions pick the AVX2 one on CPUs that have it.
// tests/test_fast_paths.cpp checks one against the other. The tensor-level kernels at the
// bottom add the thread split.
#pragma once
#include <cstddef>

#include "autograd/tensor.h"

namespace aet::kernels {

// Over n elements of logits L and targets T: returns Σ ℓ (the per-element loss, see
// ops_loss.cpp), writes sig_minus_t[i] = σ(L[i]) − T[i], and adds to *bad the number of
// targets outside [0,1].
double bce_logits_plain(const float* L, const float* T, float* sig_minus_t, size_t n, size_t* bad);
double bce_logits_avx2(const float* L, const float* T, float* sig_minus_t, size_t n, size_t* bad);
double bce_logits_fast(const float* L, const float* T, float* sig_minus_t, size_t n, size_t* bad);

// Y[i] = σ(X[i]) over n elements.
void sigmoid_plain(const float* X, float* Y, size_t n);
void sigmoid_avx2(const float* X, float* Y, size_t n);  // needs AVX2 and FMA
void sigmoid_fast(const float* X, float* Y, size_t n);

// Y = σ(X), split over the threads for a large tensor.
Tensor sigmoid_forward(const Tensor& X);

// Σ_n Σ_d ℓ(n,d) over logits and targets (N, ...), and sig_minus_t = σ(L) − T; one
// row at a time, rows shared among the threads, each row's sum kept apart and the rows
// added in order, so the sum does not depend on the thread count. `outside` counts the
// targets outside [0,1].
struct BceSum {
  double sum;
  size_t outside;
};
BceSum bce_with_logits_sum(const Tensor& logits, const Tensor& targets, Tensor& sig_minus_t);

// dL += g · (σ(L) − T), dT += g · (−L), for the inputs that require a gradient.
void bce_with_logits_backward(Tensor& logits, Tensor& targets, const Tensor& sig_minus_t, float g);

}  // namespace aet::kernels
