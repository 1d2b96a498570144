// loader.h — cuts an in-memory Dataset into (shuffled) minibatches, epoch by epoch.
//
//   BatchLoader loader(train, 128, /*shuffle=*/true, rng);
//   Batch b;
//   for (int epoch = 0; epoch < epochs; ++epoch) {
//     loader.start_epoch();                 // a fresh random order
//     while (loader.next(b)) { ... b.x is (n,D), b.y holds n labels ... }
//   }
//
// Shuffling draws from the one seeded Rng (kept by reference), so the same seed
// gives the same batches. The last batch of an epoch may be smaller than
// batch_size: it is kept, so every example is seen exactly once per epoch.
#pragma once
#include <vector>

#include "autograd/random.h"
#include "autograd/tensor.h"
#include "datasets/dataset.h"

namespace aet {

struct Batch {
  Tensor x;                  // (n,D) rows of the dataset, n <= batch_size
  std::vector<int> y;        // n labels
  std::vector<int> indices;  // the n dataset rows this batch holds
  int index = -1;            // position of the batch within its epoch
};

class BatchLoader {
 public:
  // Keeps references to `data` and `rng`: both must outlive the loader.
  // Throws std::invalid_argument if batch_size < 1 or the dataset is empty.
  BatchLoader(const Dataset& data, int batch_size, bool shuffle, Rng& rng);
  BatchLoader(Dataset&&, int, bool, Rng&) = delete;  // a temporary would dangle

  int num_batches() const;  // ceil(N / batch_size)
  int batch_size() const { return batch_size_; }

  // Begins an epoch: a new random order when shuffling, dataset order otherwise.
  void start_epoch();

  // Fills `b` with the next batch and returns true, or returns false at the end of
  // the epoch. (The first call starts an epoch if start_epoch() was never called.)
  // To avoid allocating every step, b.x is overwritten in place when it already has
  // the right shape. A Tensor is a shared handle, so anything still holding the
  // previous b.x sees it change: clone() a batch you want to keep.
  bool next(Batch& b);

 private:
  const Dataset& data_;
  int batch_size_;
  bool shuffle_;
  Rng& rng_;
  std::vector<int> order_;  // this epoch's permutation of [0, N)
  int cursor_ = 0;          // next position in order_
  int batch_index_ = 0;
  bool started_ = false;
};

}  // namespace aet
