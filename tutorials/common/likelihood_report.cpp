// likelihood_report.cpp — the flags and the table of likelihood_report.h.
#include "tutorials/common/likelihood_report.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "nn/progress.h"

namespace aet {

void add_likelihood_flags(Flags& flags, LikelihoodOptions& o) {
  flags.add("--likelihood", o.likelihood, "p(x|z) of the pixels: bce (Bernoulli) or cb (continuous Bernoulli)");
  flags.add("--iwae-images", o.iwae_images, "test images for the importance-weighted log p(x) (0: skip)",
            range(0, 10000));
}

PixelLikelihood pixel_likelihood(const LikelihoodOptions& o) {
  if (o.likelihood == "bce") return PixelLikelihood::Bernoulli;
  if (o.likelihood == "cb") return PixelLikelihood::ContinuousBernoulli;
  throw std::invalid_argument("--likelihood: expected bce or cb, got '" + o.likelihood + "'");
}

void report_log_likelihood(const LikelihoodOptions& o, bool smoke, const Dataset& test, uint64_t seed,
                           const LikelihoodEstimator& estimate) {
  const int n = std::min(smoke ? std::min(o.iwae_images, 4) : o.iwae_images, test.size());
  if (n == 0) return;
  std::vector<int> first(n);
  std::iota(first.begin(), first.end(), 0);
  const Dataset images = subset(test, first);
  fmt::print("-log p(x) on the first {} test images ({} likelihood), importance-weighted with k samples:\n",
             n, o.likelihood);
  fmt::print("{:>6} {:>12} {:>9} {:>16} {:>9} {:>7}\n", "k", "-L_k", "std err", "tighter than k=1", "std err",
             "time");
  std::vector<double> first_k;
  for (int k : {1, 64, 5000}) {
    Timer timer;
    Rng rng(seed + 4);  // its own generator: the figures do not depend on what ran before
    const LogLikelihoodEstimate e = estimate(images, k, rng);
    if (first_k.empty()) first_k = e.per_image;
    double gain = 0, sq = 0;  // paired difference L_k − L_1 over the same images
    for (int i = 0; i < n; ++i) gain += e.per_image[i] - first_k[i];
    gain /= n;
    for (int i = 0; i < n; ++i) sq += std::pow(e.per_image[i] - first_k[i] - gain, 2);
    const double gain_se = n > 1 ? std::sqrt(sq / (n - 1) / n) : 0.0;
    fmt::print("{:>6} {:>12.2f} {:>9.2f} {:>16.2f} {:>9.2f} {:>6.1f}s\n", k, -e.mean, e.std_error, gain, gain_se,
               timer.seconds());
  }
  fmt::print("\n");
}

}  // namespace aet
