// evaluate.h — the test loss every tutorial prints after each epoch: a mean over the
// test set, computed in batches of 1 000 with the tape off.
//
//   float test = mean_over_test(test, [&](const Batch& b) { return ae.loss(b.x).item(); });
//
// Batches keep the memory small (10 000 images at once would hold every activation of
// every layer); NoGrad keeps evaluation off the tape, so it cannot leak into training.
#pragma once
#include <functional>

#include "datasets/loader.h"

namespace aet {

// Σ_batches batch_loss(b)·rows(b) / size(test), batches in dataset order (no Rng drawn).
// batch_loss returns the mean loss of one batch.
double mean_over_test(const Dataset& test, const std::function<float(const Batch&)>& batch_loss);

}  // namespace aet
