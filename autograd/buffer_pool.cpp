// buffer_pool.cpp — a free list of buffers per element count.
#include "autograd/buffer_pool.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace aet {
namespace {

struct Pool {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<float*>> free;
  PoolStats stats{0, 0, 0};
};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: tensors may die during static destruction
  return *p;
}

}  // namespace

float* acquire_buffer(size_t n) {
  if (n == 0) n = 1;
  Pool& p = pool();
  {
    std::lock_guard lock(p.mu);
    auto it = p.free.find(n);
    if (it != p.free.end() && !it->second.empty()) {
      float* b = it->second.back();
      it->second.pop_back();
      p.stats.reuses++;
      p.stats.bytes_held -= n * sizeof(float);
      return b;
    }
    p.stats.fresh_allocations++;
  }
  const size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
  void* mem = std::aligned_alloc(64, bytes);
  if (!mem) throw std::bad_alloc();
  return static_cast<float*>(mem);
}

void release_buffer(float* b, size_t n) {
  if (!b) return;
  if (n == 0) n = 1;
  Pool& p = pool();
  std::lock_guard lock(p.mu);
  p.free[n].push_back(b);
  p.stats.bytes_held += n * sizeof(float);
}

PoolStats pool_stats() {
  Pool& p = pool();
  std::lock_guard lock(p.mu);
  return p.stats;
}

void free_pooled_buffers() {
  Pool& p = pool();
  std::lock_guard lock(p.mu);
  for (auto& [n, list] : p.free)
    for (float* b : list) std::free(b);
  p.free.clear();
  p.stats.bytes_held = 0;
}

}  // namespace aet
