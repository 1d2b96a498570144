// tutorial4.cpp — tasks of tutorial 4 (the VAE): the reparameterization and the Gaussian KL.
#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "autograd/random.h"
#include "coursework/checker/check.h"
#include "nn/losses.h"

namespace aet::coursework {
namespace {

// 20 000 draws of z for one (μ, log σ²) row: mean and spread must match within 4 standard errors.
void reparameterize_statistics() {
  const int n = 20000;
  const std::vector<float> mu{0.5f, -2.0f, 0.0f}, lv{0.0f, 1.0f, -2.0f};
  Tensor M = Tensor::empty({n, 3}), L = Tensor::empty({n, 3});
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < 3; ++j) M.data()[i * 3 + j] = mu[j], L.data()[i * 3 + j] = lv[j];
  Rng rng(11);
  Tensor z = [&] { NoGrad g; return reparameterize(M, L, rng); }();
  if (z.shape() != M.shape()) fail("z has shape " + shape_str(z.shape()) + ", expected that of μ " + shape_str(M.shape()));
  for (int j = 0; j < 3; ++j) {
    double s = 0, ss = 0;
    for (int i = 0; i < n; ++i) s += z.data()[i * 3 + j], ss += double(z.data()[i * 3 + j]) * z.data()[i * 3 + j];
    const double mean = s / n, sd = std::sqrt(ss / n - mean * mean), sigma = std::exp(0.5 * lv[j]);
    if (std::fabs(mean - mu[j]) > 4 * sigma / std::sqrt(n))
      fail(fmt::format("column {} (μ = {}, log σ² = {}): the mean of 20000 draws of z is {:.4f}, expected {} ± {:.4f}",
                       j, mu[j], lv[j], mean, mu[j], 4 * sigma / std::sqrt(n)));
    if (std::fabs(sd - sigma) > 0.03 * sigma)
      fail(fmt::format("column {} (log σ² = {}): the spread of z is {:.4f}, expected σ = e^(log σ²/2) = {:.4f}",
                       j, lv[j], sd, sigma));
  }
}

// The same ε on every call (a fresh Rng each time), so z is a smooth function of μ, log σ².
void reparameterize_gradient() {
  Rng init(12);
  expect_gradients("reparameterize (gradients reach μ and log σ²)",
                   [](std::vector<Tensor>& in) { Rng rng(99); return reparameterize(in[0], in[1], rng); },
                   {Tensor::uniform({3, 2}, init, -1, 1, true), Tensor::uniform({3, 2}, init, -1, 1, true)});
}

// KL(N(μ, σ²) ‖ N(0, 1)) per element = ½(μ² + σ² − 1 − log σ²), summed over Z, averaged over N.
void kl_value() {
  const std::vector<float> mu{0.0f, 1.0f, -0.5f, 2.0f, 0.3f, 0.0f}, lv{0.0f, 0.0f, -1.0f, 0.5f, 1.2f, -3.0f};
  double want = 0;
  for (size_t i = 0; i < mu.size(); ++i) want += 0.5 * (mu[i] * mu[i] + std::exp(lv[i]) - 1.0 - lv[i]);
  want /= 2;  // N = 2 rows of Z = 3
  Tensor kl = gaussian_kl(Tensor::from({2, 3}, mu), Tensor::from({2, 3}, lv));
  if (kl.size() != 1) fail("gaussian_kl gave shape " + shape_str(kl.shape()) + ", expected one number (1)");
  expect_close("gaussian_kl of a (2,3) batch (averaged over the 2 rows, summed over Z)", kl.item(), want, 1e-5, 1e-5);
  expect_close("gaussian_kl(μ = 0, log σ² = 0), the prior itself", gaussian_kl(Tensor::zeros({4, 2}), Tensor::zeros({4, 2})).item(), 0.0);
}

void kl_gradient() {
  Rng rng(13);
  expect_gradients("gaussian_kl", [](std::vector<Tensor>& in) { return gaussian_kl(in[0], in[1]); },
                   {Tensor::uniform({3, 4}, rng, -1.5f, 1.5f, true), Tensor::uniform({3, 4}, rng, -1.5f, 1.5f, true)});
}

const bool registered =
    add_task({"4.1", 8, "the reparameterization z = μ + σ ⊙ ε (nn/losses.cpp)",
              {reparameterize_statistics, reparameterize_gradient}}) &&
    add_task({"4.2", 10, "the Gaussian KL term (nn/losses.cpp)", {kl_value, kl_gradient}});

}  // namespace
}  // namespace aet::coursework
