// tensor.h — a float32 tensor: shape, values, and (lazily) a gradient.
//
// Tensors are contiguous and row-major; there are no strides, so a transpose is
// a copy or a separate kernel variant. A Tensor is a cheap handle: copying it
// shares the same storage (like a Python reference), so the tape can keep the
// tensors an op needs for its backward pass without copying them.
//
// The gradient buffer appears the first time something accumulates into it and
// starts at zero. For parameters it keeps accumulating across backward passes
// until you call zero_grad() — the optimizer's job at the top of a training step.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "autograd/random.h"

namespace aet {

using Shape = std::vector<int>;

std::string shape_str(const Shape& s);   // "(128,784)"
size_t shape_size(const Shape& s);        // product of the dimensions

struct TensorImpl;
class Tensor;
namespace kernels {
float* grad_for_write(Tensor& t, bool* first);  // for kernels only: autograd/kernels/grad_write.h
}

class Tensor {
 public:
  Tensor() = default;  // an empty handle; defined() is false

  // Factories. Shapes have 1 to 4 dimensions, each >= 1 (checked).
  static Tensor zeros(const Shape& shape, bool requires_grad = false);
  static Tensor full(const Shape& shape, float value, bool requires_grad = false);
  static Tensor empty(const Shape& shape);  // values uninitialised (op outputs)
  static Tensor from(const Shape& shape, std::vector<float> values, bool requires_grad = false);
  static Tensor randn(const Shape& shape, Rng& rng, float stddev = 1.0f, bool requires_grad = false);
  static Tensor uniform(const Shape& shape, Rng& rng, float lo, float hi, bool requires_grad = false);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int ndim() const { return static_cast<int>(shape().size()); }
  int dim(int i) const;   // dim(-1) is the last dimension
  int rows() const;       // a 2-d tensor's first dimension
  int cols() const;       // a 2-d tensor's second dimension
  size_t size() const;    // number of elements

  float* data();
  const float* data() const;
  std::span<float> values() { return {data(), size()}; }
  std::span<const float> values() const { return {data(), size()}; }
  float item() const;  // the value of a one-element tensor (checked)
  float at(int r, int c) const;
  std::vector<float> to_vector() const;

  // Gradient: grad() creates a zero buffer on first use; has_grad() asks without creating.
  bool has_grad() const;
  float* grad();
  std::span<float> grad_values() { return {grad(), size()}; }
  void zero_grad();  // marks the gradient zero; the buffer is cleared when next read

  bool requires_grad() const;
  void set_requires_grad(bool on);

  Tensor clone() const;  // a new tensor with a copy of the values, no grad, no history
  bool same_as(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  friend float* kernels::grad_for_write(Tensor& t, bool* first);
  std::shared_ptr<TensorImpl> impl_;
};

// Throws std::invalid_argument naming `op` unless a and b have the same shape.
void check_same_shape(const char* op, const Tensor& a, const Tensor& b);
// Throws unless t is 2-d.
void check_2d(const char* op, const Tensor& t, const char* name);

}  // namespace aet
