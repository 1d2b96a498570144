// vae_latent.h — tutorial 4's looks into a VAE's latent space: how much each dimension
// carries, straight lines between two images' codes, and (for Z = 2) the decoder's whole
// map and the codes of the test set. All with the tape off; nothing here trains.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "datasets/dataset.h"
#include "models/vae.h"

namespace aet {

// The KL of each latent dimension, averaged over the test set, in nats per image:
// KL_j = −½ mean_n (1 + log σ²_nj − μ²_nj − σ²_nj). A dimension with KL ≈ 0 has collapsed
// onto the prior: its μ ≈ 0 and σ ≈ 1 whatever the image, so it carries nothing.
std::vector<double> kl_per_dimension(const VAE& vae, const Dataset& test);

// Decodes codes given row by row (z holds n·Z floats) with the tape off: (n,D) in (0,1).
Tensor decode_codes(const VAE& vae, std::vector<float> z);

// One row per class pair (a, b): the first test image of class a, then decode(z) for
// z = (1 − t)·μ_a + t·μ_b at `steps` equal steps t = 0 … 1, then the first image of b.
void write_interpolation(const std::string& path, const VAE& vae, const Dataset& test,
                         const std::vector<std::pair<int, int>>& pairs, int steps = 10);

// Z = 2 only. The manifold (Kingma & Welling, Fig. 4): a g×g grid of the latent plane at
// the prior's quantiles z = (Φ⁻¹(u), Φ⁻¹(v)), u, v = (i + ½)/g, so every cell covers an
// equal share of N(0, I); z₁ grows to the right, z₂ upwards.
void write_manifold(const std::string& path, const VAE& vae, int h, int w, int g = 20);

// Z = 2 only: μ of every test image, coloured by class (gnuplot, plot.h).
void plot_mean_codes(const std::string& path, const VAE& vae, const Dataset& test);

}  // namespace aet
