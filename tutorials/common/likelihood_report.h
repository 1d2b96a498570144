// likelihood_report.h — tutorials 4 and 5: which p(x|z) the decoder stands for, and how
// far the negative ELBO they train on is from −log p(x).
//
//   --likelihood bce|cb   Bernoulli (BCE, the default) or continuous Bernoulli pixels
//   --iwae-images N       print the importance-weighted bound L_k for k = 1, 64 and 5 000
//                         on the first N test images (0: skip); 100 by default, 4 in --smoke
//
// L_1 is the ELBO; L_k rises with k towards log p(x) (nn/losses.h). The table prints
// −L_k, the bound on −log p(x) in nats per image, so it reads like the test loss above it,
// with its standard error over the images, and how much tighter it is than k = 1 with
// the standard error of that paired difference (much smaller: the same images).
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "datasets/dataset.h"
#include "nn/losses.h"
#include "tutorials/common/options.h"

namespace aet {

struct LikelihoodOptions {
  std::string likelihood = "bce";
  int iwae_images = 100;
};

void add_likelihood_flags(Flags& flags, LikelihoodOptions& o);
// "bce" or "cb"; throws std::invalid_argument naming the flag for anything else.
PixelLikelihood pixel_likelihood(const LikelihoodOptions& o);

// estimate(images, k, rng) returns the estimate for the images (a subset of test).
using LikelihoodEstimator = std::function<LogLikelihoodEstimate(const Dataset& images, int k, Rng& rng)>;
void report_log_likelihood(const LikelihoodOptions& o, bool smoke, const Dataset& test, uint64_t seed,
                           const LikelihoodEstimator& estimate);

}  // namespace aet
