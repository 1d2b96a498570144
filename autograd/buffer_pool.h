// buffer_pool.h — recycled float buffers for tensor values and gradients.
//
// A training step creates the same tensors, of the same sizes, every step. Rather
// than asking the allocator each time, a dying tensor hands its buffer back here
// and the next tensor of that size takes it: a steady training loop stops
// allocating after its first step. Buffers are 64-byte aligned for the kernels.
#pragma once
#include <cstddef>
#include <cstdint>

namespace aet {

float* acquire_buffer(size_t n);          // uninitialised, 64-byte aligned
void release_buffer(float* p, size_t n);  // p came from acquire_buffer(n)

struct PoolStats {
  uint64_t fresh_allocations;  // buffers obtained from the system allocator
  uint64_t reuses;             // buffers handed out again from the pool
  size_t bytes_held;           // bytes resting in the pool right now
};
PoolStats pool_stats();
void free_pooled_buffers();  // give every resting buffer back to the system

}  // namespace aet
