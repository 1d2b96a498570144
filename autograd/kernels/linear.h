// linear.h — the kernels behind the linear and linear_relu ops (autograd/ops_matmul.cpp).
//
//   forward:   Y = X·W + b, then Y = max(0, Y) if relu     X:(N,D) W:(D,H) b:(1,H) Y:(N,H)
//   backward:  dZ = relu ? dY ⊙ [Y > 0] : dY                (Y > 0 exactly where X·W + b > 0)
//              dX += dZ·Wᵀ    dW += Xᵀ·dZ    db += Σ_rows dZ
// The fast versions apply bias and ReLU inside gemm's threads as each finishes its slice
// of Y, mask dY into a scratch buffer while summing db in the same pass, split the
// columns over the threads, and overwrite a gradient nothing has written yet instead of
// clearing it first. The *_reference versions are the same equations as plain loops over
// gemm_naive; tests/test_fast_paths.cpp checks one against the other.
// b may be an empty Tensor (no bias). The op checks the shapes before calling these.
#pragma once

#include "autograd/tensor.h"

namespace aet::kernels {

Tensor linear_forward(const Tensor& X, const Tensor& W, const Tensor& b, bool relu);
void linear_backward(Tensor& X, Tensor& W, Tensor& b, Tensor& Y, bool relu);

Tensor linear_forward_reference(const Tensor& X, const Tensor& W, const Tensor& b, bool relu);
void linear_backward_reference(Tensor& X, Tensor& W, Tensor& b, Tensor& Y, bool relu);

}  // namespace aet::kernels
