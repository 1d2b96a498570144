// loss_kernels.h — the element loop of bce_with_logits, in two versions: the plain
// reference, one element at a time with libm, and the fast one the op calls (no calls,
// no branches, vectorised; an AVX2 copy is chosen at load time). tests/test_fast_paths.cpp
// checks one against the other. Op authors only; students read ops_loss.cpp.
#pragma once
#include <cstddef>

namespace aet::detail {

// Over n elements of logits L and targets T: returns Σ ℓ (see ops_loss.cpp), writes
// sig_minus_t[i] = σ(L[i]) − T[i], and adds to *bad the number of targets outside [0,1].
double bce_logits_plain(const float* L, const float* T, float* sig_minus_t, size_t n, size_t* bad);
double bce_logits_fast(const float* L, const float* T, float* sig_minus_t, size_t n, size_t* bad);

}  // namespace aet::detail
