// mse.cpp — see mse.h.
#include "autograd/kernels/mse.h"

#include <algorithm>
#include <vector>

#include "autograd/thread_pool.h"

namespace aet::kernels {

double squared_error_sum(const Tensor& pred, const Tensor& target) {
  const float *P = pred.data(), *T = target.data();
  const size_t n = pred.size();
  constexpr size_t kBlock = 4096;
  std::vector<double> partial((n + kBlock - 1) / kBlock);
  // A 128x784 batch is 25 blocks: split them one by one (align 1), from 8 blocks up.
  parallel_chunks(partial.size(), 8, [&](size_t b0, size_t b1) {
    for (size_t b = b0; b < b1; ++b) {
      double s = 0.0;
      for (size_t i = b * kBlock, end = std::min(n, i + kBlock); i < end; ++i) {
        const double d = static_cast<double>(P[i]) - T[i];
        s += d * d;
      }
      partial[b] = s;
    }
  }, /*align=*/1);
  double s = 0.0;
  for (double p : partial) s += p;
  return s;
}

void squared_error_backward(Tensor& pred, Tensor& target, float g) {
  const size_t n = pred.size();
  const float *P = pred.data(), *T = target.data();
  if (pred.requires_grad()) {
    float* dp = pred.grad();
    parallel_chunks(n, size_t(1) << 15, [&](size_t lo, size_t hi) {
      for (size_t i = lo; i < hi; ++i) dp[i] += g * (P[i] - T[i]);
    });
  }
  if (target.requires_grad()) {
    float* dt = target.grad();
    for (size_t i = 0; i < n; ++i) dt[i] -= g * (P[i] - T[i]);
  }
}

}  // namespace aet::kernels
