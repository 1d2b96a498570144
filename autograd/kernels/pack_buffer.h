// pack_buffer.h — the scratch memory every GEMM kernel packs its panels into.
//
// One buffer per thread and per operand, 64-byte aligned, grown on demand and then
// reused, so a training step does not allocate inside gemm(). The member functions
// live in pack_buffer.cpp, compiled for plain x86-64: the kernels that include this
// header are compiled for AVX2 or AVX-512, and a shared inline body could end up as
// AVX-512 code called from the portable kernel on a CPU without it.
#pragma once
#include <cstddef>

namespace aet::kernels {

class PackBuffer {
 public:
  PackBuffer() = default;
  ~PackBuffer();
  PackBuffer(const PackBuffer&) = delete;
  PackBuffer& operator=(const PackBuffer&) = delete;

  // At least n_floats floats; contents are unspecified.
  float* get(size_t n_floats);

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace aet::kernels
