// optimizer_steps.h — the element loops of SGD and Adam (update rules in nn/optim.h), one
// fused pass per parameter tensor: read θ, g and the state once, write them once.
// Adam splits a large tensor over the threads, and every chunk runs with denormals flushed
// to zero (flush_denormals.h): its second moments decay towards them, and denormal
// arithmetic is a hundred times slower. SGD and the clipping scale run on the calling thread.
#pragma once
#include <cstddef>

namespace aet::kernels {

// θ ← θ − α (g + λθ)
void sgd_step(float* theta, const float* g, size_t n, float lr, float wd);

// b ← μ b + (g + λθ);  θ ← θ − α (c_g (g + λθ) + c_b b)
void sgd_momentum_step(float* theta, const float* g, float* b, size_t n, float lr, float wd, float mu,
                       float c_g, float c_b);

// g' = g + λθ;  m ← β1 m + (1−β1) g';  v ← β2 v + (1−β2) g'²;
// θ ← θ − step_size · m / (√v · inv_bc2_sqrt + ε)
// with step_size = α/(1−β1^t) and inv_bc2_sqrt = 1/√(1−β2^t) (the bias corrections).
void adam_step(float* theta, const float* g, float* m, float* v, size_t n, float b1, float b2, float eps,
               float wd, float step_size, float inv_bc2_sqrt);

// g ← c · g
void scale_in_place(float* g, size_t n, float c);

}  // namespace aet::kernels
