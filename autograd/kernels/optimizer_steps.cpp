// optimizer_steps.cpp — see optimizer_steps.h. Compiled with -O3 (the Makefile), which
// vectorises these loops: raw __restrict pointers, every scalar that does not depend on
// the element hoisted out of the loop, no per-element branches. Adam's square root is
// vectorised because the library is built with -fno-math-errno.
#include "autograd/kernels/optimizer_steps.h"

#include <cmath>

#include "autograd/kernels/flush_denormals.h"
#include "autograd/thread_pool.h"

namespace aet::kernels {
namespace {

// Tensors of at least this many floats are split over the threads.
constexpr size_t kMinParallel = size_t(1) << 15;

// Runs range(lo, hi) over [0, n) on the pool, denormals flushed in every chunk (Adam).
template <class Range>
void over_chunks(size_t n, Range range) {
  parallel_chunks(n, kMinParallel, [&](size_t lo, size_t hi) {
    FlushDenormals ftz;
    range(lo, hi);
  });
}

void sgd_range(float* __restrict theta, const float* __restrict g, size_t n, float lr, float wd) {
  for (size_t k = 0; k < n; ++k) theta[k] -= lr * (g[k] + wd * theta[k]);
}

void sgd_momentum_range(float* __restrict theta, const float* __restrict g, float* __restrict b, size_t n,
                        float lr, float wd, float mu, float c_g, float c_b) {
  for (size_t k = 0; k < n; ++k) {
    const float gk = g[k] + wd * theta[k];
    const float bk = mu * b[k] + gk;
    b[k] = bk;
    theta[k] -= lr * (c_g * gk + c_b * bk);
  }
}

// A multiply per element instead of a second divide (square root and divide are the slow
// instructions here). On x86, target_clones adds an AVX2+FMA copy picked at load time on
// CPUs that have it; a multiversioned function is called through its resolver, never
// inlined into its caller, so the __restrict promises hold.
#if defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
void adam_range(float* __restrict theta, const float* __restrict g, float* __restrict m,
                float* __restrict v, size_t n, float b1, float b2, float eps, float wd, float step_size,
                float inv_bc2_sqrt) {
  const float one_minus_b1 = 1.0f - b1, one_minus_b2 = 1.0f - b2;
  for (size_t k = 0; k < n; ++k) {
    const float gk = g[k] + wd * theta[k];
    const float mk = b1 * m[k] + one_minus_b1 * gk;
    const float vk = b2 * v[k] + one_minus_b2 * gk * gk;
    m[k] = mk;
    v[k] = vk;
    theta[k] -= step_size * (mk / (std::sqrt(vk) * inv_bc2_sqrt + eps));
  }
}

void scale_range(float* __restrict g, size_t n, float c) {
  for (size_t k = 0; k < n; ++k) g[k] *= c;
}

}  // namespace

// SGD is memory-bound and cheap; it runs on the calling thread.
void sgd_step(float* theta, const float* g, size_t n, float lr, float wd) { sgd_range(theta, g, n, lr, wd); }

void sgd_momentum_step(float* theta, const float* g, float* b, size_t n, float lr, float wd, float mu,
                       float c_g, float c_b) {
  sgd_momentum_range(theta, g, b, n, lr, wd, mu, c_g, c_b);
}

void adam_step(float* theta, const float* g, float* m, float* v, size_t n, float b1, float b2, float eps,
               float wd, float step_size, float inv_bc2_sqrt) {
  over_chunks(n, [&](size_t lo, size_t hi) {
    adam_range(theta + lo, g + lo, m + lo, v + lo, hi - lo, b1, b2, eps, wd, step_size, inv_bc2_sqrt);
  });
}

void scale_in_place(float* g, size_t n, float c) { scale_range(g, n, c); }

}  // namespace aet::kernels
