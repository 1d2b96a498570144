// vae_latent.cpp — see vae_latent.h.
#include "tutorials/common/vae_latent.h"

#include <algorithm>
#include <cmath>

#include "autograd/tape.h"
#include "tutorials/common/image_grid.h"
#include "tutorials/common/plot.h"

namespace aet {

namespace {

// Φ⁻¹(p), the standard normal quantile, by bisection on Φ(x) = ½ erfc(−x/√2).
float normal_quantile(double p) {
  double lo = -10, hi = 10;
  for (int i = 0; i < 100; ++i) {
    const double mid = (lo + hi) / 2;
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
  }
  return static_cast<float>(lo);
}

Tensor mean_codes(const VAE& vae, const Tensor& x) {
  NoGrad no_grad;
  return vae.encode(x).mu;
}

}  // namespace

std::vector<double> kl_per_dimension(const VAE& vae, const Dataset& test) {
  NoGrad no_grad;
  auto [mu, logvar] = vae.encode(test.images);
  std::vector<double> kl(mu.cols(), 0.0);
  for (int n = 0; n < mu.rows(); ++n)
    for (int j = 0; j < mu.cols(); ++j) {
      const double m = mu.at(n, j), lv = logvar.at(n, j);
      kl[j] += -0.5 * (1 + lv - m * m - std::exp(lv)) / mu.rows();
    }
  return kl;
}

Tensor decode_codes(const VAE& vae, std::vector<float> z) {
  NoGrad no_grad;
  const int n = static_cast<int>(z.size()) / vae.latent_dim();
  return vae.decode(Tensor::from({n, vae.latent_dim()}, std::move(z)));
}

void write_interpolation(const std::string& path, const VAE& vae, const Dataset& test,
                         const std::vector<std::pair<int, int>>& pairs, int steps) {
  const int D = test.dim(), Z = vae.latent_dim();
  std::vector<float> cells;
  std::vector<std::string> row_labels;
  for (const auto& [ca, cb] : pairs) {
    const auto first_of = [&](int c) { return int(std::find(test.labels.begin(), test.labels.end(), c) - test.labels.begin()); };
    Tensor ends = subset(test, std::vector<int>{first_of(ca), first_of(cb)}).images;
    Tensor mu = mean_codes(vae, ends);
    std::vector<float> z;
    for (int i = 0; i < steps; ++i) {
      const float t = float(i) / (steps - 1);  // z = (1 − t)·μ_a + t·μ_b
      for (int j = 0; j < Z; ++j) z.push_back((1 - t) * mu.at(0, j) + t * mu.at(1, j));
    }
    Tensor line = decode_codes(vae, z);
    cells.insert(cells.end(), ends.data(), ends.data() + D);
    cells.insert(cells.end(), line.data(), line.data() + line.size());
    cells.insert(cells.end(), ends.data() + D, ends.data() + 2 * D);
    row_labels.push_back(test.class_names[ca] + " > " + test.class_names[cb]);
  }
  write_image_grid(path, Tensor::from({int(pairs.size()) * (steps + 2), D}, cells), test.height, test.width,
                   steps + 2, 2, row_labels);
}

void write_manifold(const std::string& path, const VAE& vae, int h, int w, int g) {
  if (vae.latent_dim() != 2)
    throw std::invalid_argument("write_manifold: the latent plane needs Z = 2, the model has Z = " +
                                std::to_string(vae.latent_dim()));
  std::vector<float> z;
  for (int r = 0; r < g; ++r)
    for (int c = 0; c < g; ++c)
      z.insert(z.end(), {normal_quantile((c + 0.5) / g), normal_quantile((g - r - 0.5) / g)});
  write_image_grid(path, decode_codes(vae, z), h, w, g, 2);
}

void plot_mean_codes(const std::string& path, const VAE& vae, const Dataset& test) {
  Tensor mu = mean_codes(vae, test.images);
  plot_scatter_by_class(path, "VAE Z=2: mean code μ of every test image", mu, test.labels, test.class_names, "μ1",
                        "μ2");
}

}  // namespace aet
