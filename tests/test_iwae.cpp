// test_iwae.cpp — the importance-weighted estimate of log p(x) (nn/losses.h) for the
// VAE and CVAE: k = 1 is the one-sample ELBO, the estimate climbs with k, and on a
// model small enough to integrate numerically it reaches log p(x).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "datasets/loader.h"
#include "datasets/synthetic.h"
#include "models/cvae.h"
#include "models/vae.h"
#include "nn/optim.h"
#include "tests/train_epochs.h"

using namespace aet;
using aet::testing::train_epochs;

TEST_CASE("iwae: k = 1 with a fixed ε is exactly −(recon + one-sample KL) of VAE::loss") {
  Rng rng(3);
  const Dataset data = make_tiny_images(40, 8, rng);
  VAE vae(64, 16, 3, rng);
  // VAE::loss and log_likelihood with k = 1 draw the same ε (N,Z) from the same seed.
  Rng r1(77), r2(77), r3(77);
  const VaeLoss l = vae.loss(data.images, r1);
  tape().clear();
  const LogLikelihoodEstimate est = vae.log_likelihood(data.images, 1, r2);
  // The one-sample KL, log q(z|x) − log p(z) = Σ_j ½ (z² − log σ² − ε²), from the same ε.
  NoGrad ng;
  const VAE::Posterior q = vae.encode(data.images);
  const Tensor eps = Tensor::randn(q.mu.shape(), r3);
  double kl_mc = 0.0;
  for (size_t t = 0; t < eps.size(); ++t) {
    const double lv = q.logvar.data()[t], e = eps.data()[t];
    const double z = q.mu.data()[t] + std::exp(lv * 0.5) * e;
    kl_mc += 0.5 * (z * z - lv - e * e);
  }
  kl_mc /= data.size();
  // recon is a float sum over 40·64 terms: 1e-5 relative is its rounding, not a
  // modelling difference (a wrong sign or a missing ½ is off by whole nats).
  CHECK(est.mean == doctest::Approx(-(l.recon + kl_mc)).epsilon(1e-5));
  // In expectation over ε the one-sample KL is the analytic one the loss reports;
  // here with 3 latent dims it differs for this one draw.
  MESSAGE("analytic KL " << l.kl << ", one-sample KL " << kl_mc);
}

TEST_CASE("iwae: the continuous Bernoulli adds Σ_d log C(l_d) to each log weight") {
  // With k = 1 and the same ε, the two estimates differ per image by exactly the
  // normaliser of the decoded logits (nn/losses.h, cb_log_normalizer).
  Rng rng(12);
  const Dataset data = make_tiny_images(10, 8, rng);
  VAE vae(64, 16, 2, rng);
  Rng r1(5), r2(5), r3(5);
  const LogLikelihoodEstimate bern = vae.log_likelihood(data.images, 1, r1);
  const LogLikelihoodEstimate cb = vae.log_likelihood(data.images, 1, r2, PixelLikelihood::ContinuousBernoulli);
  NoGrad ng;
  const VAE::Posterior q = vae.encode(data.images);
  const Tensor logc = cb_log_normalizer(vae.decode_logits(reparameterize(q.mu, q.logvar, r3)));
  for (int i = 0; i < data.size(); ++i) {
    double s = 0;
    for (int d = 0; d < 64; ++d) s += logc.at(i, d);
    CHECK(cb.per_image[i] - bern.per_image[i] == doctest::Approx(s).epsilon(1e-5));
  }
}

TEST_CASE("iwae: over many ε, k = 1 averages to the negative ELBO (analytic KL)") {
  Rng rng(4);
  const Dataset data = make_tiny_images(16, 8, rng);
  VAE vae(64, 16, 2, rng);
  Rng a(1), b(2);
  const int reps = 400;
  std::vector<double> d(reps);  // paired per repetition: L_1 − (−loss.total)
  for (int r = 0; r < reps; ++r) {
    const double elbo = -vae.loss(data.images, a).total.item();
    tape().clear();
    d[r] = vae.log_likelihood(data.images, 1, b).mean - elbo;
  }
  double m = 0, ss = 0;
  for (double v : d) m += v / reps;
  for (double v : d) ss += (v - m) * (v - m);
  const double se = std::sqrt(ss / (reps - 1) / reps);
  MESSAGE("E[L_1] − E[ELBO] = " << m << " ± " << se);
  CHECK(std::fabs(m) < 4.0 * se);  // equal in expectation: within 4 standard errors
  CHECK(se < 0.5);                  // and the test is sharp enough to mean something
}

TEST_CASE("iwae: the estimate does not decrease with k on a small trained VAE (k = 1, 8, 64)") {
  Rng rng(3);
  Dataset train = make_tiny_images(512, 8, rng), test = make_tiny_images(64, 8, rng);
  VAE vae(64, 32, 2, rng);
  Adam adam(vae.parameters(), {.lr = 3e-3f});
  BatchLoader loader(train, 64, true, rng);
  train_epochs(loader, adam, 5, [&](const Batch& batch) { return vae.loss(batch.x, rng).total; });
  Rng eval(5);
  std::vector<LogLikelihoodEstimate> est;
  for (int k : {1, 8, 64}) est.push_back(vae.log_likelihood(test.images, k, eval));
  // E[L_k] rises with k (Burda et al., Theorem 1), but each L_k here is one random
  // draw. Compared image by image on the same 64 images, the mean rise must exceed
  // −3 standard errors of the paired differences: a decrease that large would happen
  // by chance about once in a thousand runs, while a sign error in log q or log p(z)
  // turns the rise into a fall of several nats.
  for (int t = 1; t < 3; ++t) {
    double m = 0, ss = 0;
    const int n = test.size();
    for (int i = 0; i < n; ++i) m += (est[t].per_image[i] - est[t - 1].per_image[i]) / n;
    for (int i = 0; i < n; ++i) ss += std::pow(est[t].per_image[i] - est[t - 1].per_image[i] - m, 2);
    const double se = std::sqrt(ss / (n - 1) / n);
    MESSAGE("L_k: " << est[t - 1].mean << " ± " << est[t - 1].std_error << " -> " << est[t].mean << " ± "
                    << est[t].std_error << " (rise " << m << " ± " << se << ")");
    CHECK(m > -3.0 * se);
  }
  CHECK(est[2].mean > est[0].mean);
}

TEST_CASE("iwae: on a tiny VAE (Z = 1, D = 2) it reaches log p(x) integrated numerically") {
  Rng rng(21);
  VAE vae(2, 4, 1, rng);
  const Tensor x = Tensor::from({3, 2}, {0.2f, 0.9f, 1.0f, 0.0f, 0.5f, 0.5f});
  // log p(x) = log ∫ p(x|z) N(z; 0, 1) dz by the trapezoid rule on [−10, 10] in steps
  // of 1e-3 (the prior's tails beyond ±10 weigh e^−50). The decoder is a ReLU MLP,
  // piecewise linear in z, so the integrand is smooth between a few kinks and the rule's
  // error is far below the 0.01 nats asked of the estimate.
  const int G = 20001;
  std::vector<float> zs(G);
  for (int g = 0; g < G; ++g) zs[g] = -10.0f + 1e-3f * g;
  Tensor logits;
  {
    NoGrad ng;
    logits = vae.decode_logits(Tensor::from({G, 1}, zs));
  }
  Rng eval(6);
  const LogLikelihoodEstimate est = vae.log_likelihood(x, 20000, eval);
  for (int i = 0; i < 3; ++i) {
    std::vector<double> lf(G);  // log of the integrand at each grid point
    for (int g = 0; g < G; ++g) {
      double v = -0.5 * zs[g] * zs[g] - 0.5 * std::log(2 * std::numbers::pi);
      for (int d = 0; d < 2; ++d) {
        const double l = logits.at(g, d), t = x.at(i, d);
        v -= std::max(l, 0.0) - l * t + std::log1p(std::exp(-std::fabs(l)));
      }
      lf[g] = v;
    }
    const double top = *std::max_element(lf.begin(), lf.end());
    double s = 0;
    for (int g = 0; g < G; ++g) s += (g == 0 || g == G - 1 ? 0.5 : 1.0) * std::exp(lf[g] - top);
    const double exact = top + std::log(s * 1e-3);
    MESSAGE("image " << i << ": log p(x) = " << exact << ", L_20000 = " << est.per_image[i]);
    CHECK(std::fabs(est.per_image[i] - exact) < 0.01);
  }
}

TEST_CASE("iwae: the CVAE's estimate, chunked rows, and bad arguments") {
  Rng rng(8);
  const Dataset data = make_tiny_images(12, 8, rng);
  CVAE cvae(64, 5, 16, 2, rng);
  const Tensor y = one_hot(data.labels, 5);
  // ε is drawn in (image, sample) order however the rows are cut into chunks, so
  // chunks of 4 rows (an image's 6 samples split 4 + 2) and of 7 rows (one image each)
  // give the numbers of one 72-row chunk, up to the decoder's float rounding; the CVAE
  // method gives the same too, so each sample was decoded with its own image's class.
  Rng r1(3), r2(3), r3(3);
  const LogLikelihoodEstimate whole = cvae.log_likelihood(data.images, y, 6, r1);
  NoGrad ng;
  const VAE::Posterior q = cvae.encode(data.images, y);
  auto decode = [&](const Tensor& z, std::span<const int> image) {
    Tensor yz = Tensor::zeros({z.rows(), 5});
    for (int r = 0; r < z.rows(); ++r) yz.data()[size_t(r) * 5 + data.labels[image[r]]] = 1.0f;
    return cvae.decode_logits(z, yz);
  };
  const LogLikelihoodEstimate by4 = importance_log_likelihood(data.images, q.mu, q.logvar, 6, r2, decode, PixelLikelihood::Bernoulli, 4);
  const LogLikelihoodEstimate by7 = importance_log_likelihood(data.images, q.mu, q.logvar, 6, r3, decode, PixelLikelihood::Bernoulli, 7);
  REQUIRE(by4.per_image.size() == 12);
  REQUIRE(by7.per_image.size() == 12);
  for (int i = 0; i < 12; ++i) {
    CHECK(by4.per_image[i] == doctest::Approx(whole.per_image[i]).epsilon(1e-5));
    CHECK(by7.per_image[i] == doctest::Approx(whole.per_image[i]).epsilon(1e-5));
  }
  CHECK(whole.std_error > 0.0);
  Rng r4(3);
  CHECK_THROWS_WITH_AS(importance_log_likelihood(data.images, q.mu, q.logvar, 0, r4, decode),
                       "importance_log_likelihood: k (samples per image) must be >= 1, got 0", std::invalid_argument);
  CHECK_THROWS_WITH_AS(importance_log_likelihood(Tensor::zeros({3, 64}), q.mu, q.logvar, 2, r4, decode),
                       "importance_log_likelihood: x (3,64) and mu (12,2) need the same number of rows N",
                       std::invalid_argument);
  Tensor bad = data.images.clone();
  bad.data()[70] = 1.5f;
  CHECK_THROWS_WITH_AS(importance_log_likelihood(bad, q.mu, q.logvar, 2, r4, decode),
                       "importance_log_likelihood: pixel 1.500000 at row 1 is outside [0,1]", std::domain_error);
}
