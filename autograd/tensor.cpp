// tensor.cpp — storage comes from the buffer pool and goes back to it.
#include "autograd/tensor.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "autograd/buffer_pool.h"

namespace aet {

struct TensorImpl {
  Shape shape;
  size_t size = 0;
  float* value = nullptr;
  float* grad = nullptr;
  bool grad_is_zero = false;  // grad's contents are stale and stand for zeros
  bool requires_grad = false;

  TensorImpl(Shape s) : shape(std::move(s)), size(shape_size(shape)), value(acquire_buffer(size)) {}
  ~TensorImpl() {
    release_buffer(value, size);
    release_buffer(grad, size);
  }
  TensorImpl(const TensorImpl&) = delete;
  TensorImpl& operator=(const TensorImpl&) = delete;
};

std::string shape_str(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(s[i]);
  }
  return out + ")";
}

size_t shape_size(const Shape& s) {
  size_t n = 1;
  for (int d : s) n *= static_cast<size_t>(d);
  return n;
}

static void check_shape(const Shape& s) {
  if (s.empty() || s.size() > 4)
    throw std::invalid_argument("tensor: a shape needs 1 to 4 dimensions, got " + shape_str(s));
  for (int d : s)
    if (d < 1) throw std::invalid_argument("tensor: every dimension must be >= 1, got " + shape_str(s));
}

static std::shared_ptr<TensorImpl> make_impl(const Shape& shape) {
  check_shape(shape);
  return std::make_shared<TensorImpl>(shape);
}

Tensor Tensor::empty(const Shape& shape) {
  Tensor t;
  t.impl_ = make_impl(shape);
  return t;
}

Tensor Tensor::full(const Shape& shape, float value, bool requires_grad) {
  Tensor t = empty(shape);
  std::fill_n(t.data(), t.size(), value);
  t.impl_->requires_grad = requires_grad;
  return t;
}

Tensor Tensor::zeros(const Shape& shape, bool requires_grad) { return full(shape, 0.0f, requires_grad); }

Tensor Tensor::from(const Shape& shape, std::vector<float> values, bool requires_grad) {
  check_shape(shape);
  if (values.size() != shape_size(shape))
    throw std::invalid_argument("Tensor::from: shape " + shape_str(shape) + " holds " +
                                std::to_string(shape_size(shape)) + " values, but " +
                                std::to_string(values.size()) + " were given");
  Tensor t = empty(shape);
  std::copy(values.begin(), values.end(), t.data());
  t.impl_->requires_grad = requires_grad;
  return t;
}

Tensor Tensor::randn(const Shape& shape, Rng& rng, float stddev, bool requires_grad) {
  Tensor t = empty(shape);
  rng.fill_normal(t.data(), t.size(), stddev);
  t.impl_->requires_grad = requires_grad;
  return t;
}

Tensor Tensor::uniform(const Shape& shape, Rng& rng, float lo, float hi, bool requires_grad) {
  Tensor t = empty(shape);
  for (float& v : t.values()) v = rng.uniform(lo, hi);
  t.impl_->requires_grad = requires_grad;
  return t;
}

static const TensorImpl& get(const std::shared_ptr<TensorImpl>& p) {
  if (!p) throw std::logic_error("tensor: using an empty Tensor handle (it was never assigned)");
  return *p;
}

const Shape& Tensor::shape() const { return get(impl_).shape; }
size_t Tensor::size() const { return get(impl_).size; }
float* Tensor::data() { return get(impl_).value; }
const float* Tensor::data() const { return get(impl_).value; }

int Tensor::dim(int i) const {
  const Shape& s = shape();
  const int n = static_cast<int>(s.size());
  if (i < -n || i >= n)
    throw std::out_of_range("tensor: dim(" + std::to_string(i) + ") of shape " + shape_str(s));
  return s[i < 0 ? i + n : i];
}

int Tensor::rows() const {
  check_2d("rows", *this, "tensor");
  return shape()[0];
}

int Tensor::cols() const {
  check_2d("cols", *this, "tensor");
  return shape()[1];
}

float Tensor::item() const {
  if (size() != 1)
    throw std::invalid_argument("item: tensor has shape " + shape_str(shape()) + ", not one element");
  return data()[0];
}

float Tensor::at(int r, int c) const {
  check_2d("at", *this, "tensor");
  if (r < 0 || r >= rows() || c < 0 || c >= cols())
    throw std::out_of_range("at(" + std::to_string(r) + "," + std::to_string(c) + ") outside " +
                            shape_str(shape()));
  return data()[static_cast<size_t>(r) * cols() + c];
}

std::vector<float> Tensor::to_vector() const { return {data(), data() + size()}; }

bool Tensor::has_grad() const { return get(impl_).grad != nullptr; }

float* Tensor::grad() {
  TensorImpl& t = const_cast<TensorImpl&>(get(impl_));
  if (!t.grad) {
    t.grad = acquire_buffer(t.size);
    t.grad_is_zero = true;
  }
  if (t.grad_is_zero) {
    std::fill_n(t.grad, t.size, 0.0f);
    t.grad_is_zero = false;
  }
  return t.grad;
}

float* kernels::grad_for_write(Tensor& tensor, bool* first) {
  TensorImpl& t = const_cast<TensorImpl&>(get(tensor.impl_));
  if (!t.grad) {
    t.grad = acquire_buffer(t.size);
    t.grad_is_zero = true;
  }
  *first = t.grad_is_zero;
  t.grad_is_zero = false;
  return t.grad;
}

// Zeroing is deferred: the next grad() clears the buffer, or the next backward that writes
// every element (kernels::grad_for_write) overwrites it without clearing.
void Tensor::zero_grad() {
  TensorImpl& t = const_cast<TensorImpl&>(get(impl_));
  if (t.grad) t.grad_is_zero = true;
}

bool Tensor::requires_grad() const { return get(impl_).requires_grad; }
void Tensor::set_requires_grad(bool on) { const_cast<TensorImpl&>(get(impl_)).requires_grad = on; }

Tensor Tensor::clone() const {
  Tensor t = empty(shape());
  std::memcpy(t.data(), data(), size() * sizeof(float));
  return t;
}

void check_same_shape(const char* op, const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape())
    throw std::invalid_argument(std::string(op) + ": shapes " + shape_str(a.shape()) + " and " +
                                shape_str(b.shape()) + " differ");
}

void check_2d(const char* op, const Tensor& t, const char* name) {
  if (t.ndim() != 2)
    throw std::invalid_argument(std::string(op) + ": " + name + " must be 2-d (rows, cols), got " +
                                shape_str(t.shape()));
}

}  // namespace aet
