// contenders.h — tutorial 6's bookkeeping: train several models the same way and measure
// them the same way, so one table can set the MLP models of tutorials 1, 4 and 5 beside
// their convolutional twins.
//
// A Contender is a model seen through a few functions; the ones a model has no use for
// stay empty and its table cells read "-":
//   loss         the training loss of a batch (what backward() is called on)
//   reconstruct  x (N,D), labels -> x̂ (N,D) in (0,1): decode(encode(x)), the mean code
//   test_nats    the negative ELBO of a batch, nats per image (VAE and CVAE)
//   codes        x (N,D) -> the codes K-Means clusters (the Z = 10 autoencoders)
//   generate     labels, τ, rng -> one image per label from z ~ N(0, τ²I) (the CVAEs)
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "autograd/random.h"
#include "datasets/loader.h"
#include "nn/layers.h"

namespace aet {

struct Contender {
  std::string name;
  const Module* model = nullptr;
  std::function<Tensor(const Batch&, Rng&)> loss = {};
  std::function<Tensor(const Tensor&, const std::vector<int>&)> reconstruct = {};
  std::function<float(const Batch&, Rng&)> test_nats = {};
  std::function<Tensor(const Tensor&)> codes = {};
  std::function<Tensor(const std::vector<int>&, float, Rng&)> generate = {};
};

struct ContenderScore {
  std::string name;
  size_t parameters = 0;
  double test_mse = 0, seconds_per_epoch = 0;
  double nats = -1, acc = -1, nmi = -1, tau1 = -1, tau_low = -1;  // < 0: not measured
};

// Trains with Adam (lr 1e-3), batch 128, shuffled by `rng`, for `epochs` epochs; returns
// the mean seconds per epoch. Throws (naming the model, epoch and batch) on a non-finite loss.
double train_contender(const Contender& c, const Dataset& train, int epochs, Rng& rng);

// Measures on `test`, under NoGrad: the MSE of reconstruct, test_nats (one fixed ε per
// image, Rng(0), as tutorials 4 and 5), K-Means on codes (k = C, 20 restarts, ACC and NMI),
// and the share of `per_class` generated images per class that `judge` calls the requested
// class at τ = 1 and τ = tau_low (the mean over classes, as tutorial 5).
ContenderScore score_contender(const Contender& c, const Dataset& test, const MLP& judge, int per_class,
                               float tau_low, uint64_t seed);

// The comparison table, one row per score, "-" where nothing was measured.
std::string contender_table(const std::vector<ContenderScore>& scores, float tau_low, int train_size);

// Conv2d weights (K,1,k,k) as K small pictures (K, k·k), each stretched to [0,1] on its own
// (black: its most negative weight, white: its most positive), ready for write_image_grid.
Tensor filters_as_images(const Tensor& W);

}  // namespace aet
