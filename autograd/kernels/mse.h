// mse.h — the kernels behind the mse op (autograd/ops_loss.cpp), split over the threads.
#pragma once

#include "autograd/tensor.h"

namespace aet::kernels {

// Σ (p − t)² in double: partial sums over fixed blocks of 4096 elements, shared among the
// threads and added in order, so the result does not depend on the thread count.
double squared_error_sum(const Tensor& pred, const Tensor& target);

// dp += g · (p − t), dt −= g · (p − t), for the inputs that require a gradient.
void squared_error_backward(Tensor& pred, Tensor& target, float g);

}  // namespace aet::kernels
