// grad_write.h — a gradient buffer that a kernel overwrites instead of adding to.
//
// Backward passes accumulate (dx += ...), so a gradient nothing has written yet must
// read as zero. A kernel that writes every element of a gradient can skip clearing it
// first: grad_for_write() returns the buffer and sets *first when it holds no gradient
// yet (just created, or zero_grad() since the last write); the caller must then
// overwrite every element (dx = g rather than dx += g). Either way the gradient counts as
// written afterwards, so a second contribution adds to the first.
// Kernels only: an op's backward, as a student reads it, uses Tensor::grad() and +=.
#pragma once

#include "autograd/tensor.h"

namespace aet::kernels {

float* grad_for_write(Tensor& t, bool* first);  // defined in autograd/tensor.cpp

}  // namespace aet::kernels
