// pack_buffer.cpp — see pack_buffer.h.
#include "autograd/kernels/pack_buffer.h"

#include <cstdlib>
#include <new>

namespace aet::kernels {

PackBuffer::~PackBuffer() { std::free(data_); }

float* PackBuffer::get(size_t n_floats) {
  if (n_floats > capacity_) {
    std::free(data_);
    data_ = nullptr;
    capacity_ = 0;
    const size_t bytes = (n_floats * sizeof(float) + 63) / 64 * 64;
    data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (data_ == nullptr) throw std::bad_alloc();
    capacity_ = n_floats;
  }
  return data_;
}

}  // namespace aet::kernels
