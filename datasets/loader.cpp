// loader.cpp — Fisher–Yates shuffles and row gathers into a reused batch tensor.
#include "datasets/loader.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "autograd/thread_pool.h"

namespace aet {

BatchLoader::BatchLoader(const Dataset& data, int batch_size, bool shuffle, Rng& rng)
    : data_(data), batch_size_(batch_size), shuffle_(shuffle), rng_(rng) {
  if (batch_size < 1)
    throw std::invalid_argument("BatchLoader: batch_size must be >= 1, got " + std::to_string(batch_size));
  if (data.size() < 1) throw std::invalid_argument("BatchLoader: the dataset is empty");
  if (static_cast<int>(data.labels.size()) != data.size())
    throw std::invalid_argument("BatchLoader: the dataset has " + std::to_string(data.size()) + " examples but " +
                                std::to_string(data.labels.size()) + " labels");
}

int BatchLoader::num_batches() const { return (data_.size() + batch_size_ - 1) / batch_size_; }

void BatchLoader::start_epoch() {
  // Starting from the identity makes each epoch's order depend only on the Rng.
  order_.resize(data_.size());
  std::iota(order_.begin(), order_.end(), 0);
  if (shuffle_)
    for (int i = static_cast<int>(order_.size()) - 1; i > 0; --i) std::swap(order_[i], order_[rng_.randint(i + 1)]);
  cursor_ = 0;
  batch_index_ = 0;
  started_ = true;
}

bool BatchLoader::next(Batch& b) {
  if (!started_) start_epoch();
  const int total = static_cast<int>(order_.size());
  if (cursor_ >= total) return false;
  const int n = std::min(batch_size_, total - cursor_);
  const int cols = data_.dim();

  if (!b.x.defined() || b.x.shape() != Shape{n, cols}) b.x = Tensor::empty({n, cols});
  b.y.resize(n);
  b.indices.assign(order_.begin() + cursor_, order_.begin() + cursor_ + n);
  const float* src = data_.images.data();
  float* dst = b.x.data();
  // Gathering shuffled rows is a string of cache misses; two threads keep twice as many
  // in flight. Each thread copies its own rows, so the batch is the same either way.
  const int threads = std::min(num_threads(), std::max(1, n / 32));
  parallel_for(threads, [&](int t) {
    for (int i = n * t / threads; i < n * (t + 1) / threads; ++i) {
      const int row = b.indices[i];
      std::memcpy(dst + static_cast<size_t>(i) * cols, src + static_cast<size_t>(row) * cols, cols * sizeof(float));
      b.y[i] = data_.labels[row];
    }
  });
  b.index = batch_index_++;
  cursor_ += n;
  return true;
}

}  // namespace aet
