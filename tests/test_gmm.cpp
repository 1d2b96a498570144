// test_gmm.cpp — the Gaussian mixture of models/gmm.h on data whose truth we know.
//
// Every dataset is drawn here from aet::Rng: K Gaussians with chosen means and
// covariances x = μ + Aε (Σ = AAᵀ), point i from component i % K.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "autograd/thread_pool.h"
#include "models/gmm.h"
#include "nn/metrics.h"

using namespace aet;

namespace {

// 2-D points: component c has mean means[c] and covariance A_c A_cᵀ with
// A_c = [[a, 0], [b, d]] given as {a, b, d}.
struct Blob2 { float mx, my, a, b, d; };

Tensor draw(const std::vector<Blob2>& blobs, int n, Rng& rng, std::vector<int>& labels) {
  std::vector<float> v(size_t(n) * 2);
  labels.resize(n);
  for (int i = 0; i < n; ++i) {
    const Blob2& g = blobs[i % blobs.size()];
    labels[i] = i % static_cast<int>(blobs.size());
    const float e1 = rng.normal(), e2 = rng.normal();
    v[2 * i] = g.mx + g.a * e1;
    v[2 * i + 1] = g.my + g.b * e1 + g.d * e2;
  }
  return Tensor::from({n, 2}, std::move(v));
}

// Three well-separated blobs, two of them correlated (ρ = b/√(b²+d²) ≈ ±0.8).
const std::vector<Blob2> kThree = {{0, 0, 1.0f, 0.8f, 0.6f}, {10, 0, 0.5f, 0.0f, 0.5f}, {0, 10, 1.0f, -0.8f, 0.6f}};

// The component whose fitted mean is closest to (x, y).
int nearest_component(const GaussianMixture& g, float x, float y) {
  int best = 0;
  double bd = 1e300;
  for (int j = 0; j < g.components(); ++j) {
    const double d = std::pow(g.means.at(j, 0) - x, 2) + std::pow(g.means.at(j, 1) - y, 2);
    if (d < bd) { bd = d; best = j; }
  }
  return best;
}

void check_never_decreases(const std::vector<double>& ll) {
  // EM cannot lower ℓ (the bound argument of Dempster et al.); in double, a step at
  // convergence may differ by rounding: ℓ/N ≈ −3 is summed from N terms, so 1e-12
  // relative is ~1000× the rounding of the sum and far below any real decrease.
  REQUIRE(ll.size() >= 2);
  for (size_t t = 1; t < ll.size(); ++t)
    CHECK_MESSAGE(ll[t] >= ll[t - 1] - 1e-12 * std::fabs(ll[t - 1]),
                  "iteration " << t << ": " << ll[t - 1] << " -> " << ll[t]);
}

}  // namespace

TEST_CASE("gmm: the log-likelihood never decreases (full and diagonal, overlapping blobs)") {
  // Overlapping blobs, so EM takes many small steps instead of converging in two.
  const std::vector<Blob2> blobs = {{0, 0, 1.0f, 0.5f, 0.8f}, {2, 1, 1.0f, -0.4f, 0.7f}, {1, 3, 0.8f, 0.0f, 1.0f}};
  for (Covariance c : {Covariance::Full, Covariance::Diagonal}) {
    Rng rng(3);
    std::vector<int> labels;
    const Tensor x = draw(blobs, 600, rng, labels);
    GmmOptions o;
    o.covariance = c;
    o.tol = 0.0;  // run every iteration: the whole path must climb
    o.max_iter = 60;
    const GmmFit fit = fit_gmm(x, 3, rng, o);
    CHECK(fit.iterations >= 10);
    check_never_decreases(fit.log_likelihood);
    CHECK(fit.log_likelihood.back() > fit.log_likelihood.front());
  }
}

TEST_CASE("gmm: recovers the means, covariances and weights of well-separated Gaussians") {
  Rng rng(7);
  std::vector<int> labels;
  const Tensor x = draw(kThree, 3000, rng, labels);
  const GmmFit fit = fit_gmm(x, 3, rng);
  CHECK(fit.converged);
  CHECK(clustering_accuracy(labels, fit.assignment) == 1.0);
  for (const Blob2& g : kThree) {
    const int j = nearest_component(fit.model, g.mx, g.my);
    // 1000 points per blob: a mean's standard error is σ/√1000 <= 0.032, a variance's
    // about σ²·√(2/1000) <= 0.045; the tolerances are 4–5 of those.
    CHECK(std::fabs(fit.model.means.at(j, 0) - g.mx) < 0.15);
    CHECK(std::fabs(fit.model.means.at(j, 1) - g.my) < 0.15);
    const float* S = fit.model.covariances.data() + size_t(j) * 4;
    CHECK(std::fabs(S[0] - g.a * g.a) < 0.2);                // Σ = AAᵀ
    CHECK(std::fabs(S[1] - g.a * g.b) < 0.2);
    CHECK(S[1] == S[2]);                                     // symmetric
    CHECK(std::fabs(S[3] - (g.b * g.b + g.d * g.d)) < 0.2);
    CHECK(std::fabs(fit.model.weights.data()[j] - 1.0f / 3.0f) < 1e-3);  // hard split: 1000/3000
  }
}

TEST_CASE("gmm: a full covariance fits correlated data better than a diagonal one") {
  Rng rng(5);
  std::vector<int> labels;
  const Tensor x = draw({{0, 0, 1.0f, 0.95f, 0.3f}, {4, -4, 1.0f, 0.95f, 0.3f}}, 2000, rng, labels);
  GmmOptions full, diag;
  diag.covariance = Covariance::Diagonal;
  Rng r1(1), r2(1);
  const GmmFit f = fit_gmm(x, 2, r1, full), d = fit_gmm(x, 2, r2, diag);
  // One Gaussian with correlation ρ: the full fit gains −½ log(1 − ρ²) nats per point
  // over the diagonal one; here ρ = 0.95/√(0.95² + 0.3²) ≈ 0.954, so ≈ 1.2 nats.
  const double gain = f.log_likelihood.back() - d.log_likelihood.back();
  MESSAGE("full - diagonal: " << gain << " nats per point");
  CHECK(gain > 1.0);
  CHECK(gain < 1.4);
  CHECK(d.model.covariances.shape() == Shape{2, 2});
  CHECK(f.model.covariances.shape() == Shape{2, 2, 2});
}

TEST_CASE("gmm: a component left with one point gets the floor λI, not NaN; λ = 0 is an error") {
  // Two tight blobs and one far-away point: with k = 3 one component owns that point
  // alone, its sample covariance is 0, and the floor keeps log|Σ| finite.
  std::vector<float> v;
  Rng rng(2);
  for (int i = 0; i < 50; ++i) { v.push_back(rng.normal()); v.push_back(rng.normal()); }
  for (int i = 0; i < 50; ++i) { v.push_back(20 + rng.normal()); v.push_back(rng.normal()); }
  v.push_back(100.0f); v.push_back(100.0f);
  const Tensor x = Tensor::from({101, 2}, v);
  const GmmFit fit = fit_gmm(x, 3, rng);
  for (double l : fit.log_likelihood) CHECK(std::isfinite(l));
  for (float c : fit.model.covariances.values()) CHECK(std::isfinite(c));
  const int lone = fit.assignment[100];
  CHECK(fit.model.covariances.data()[size_t(lone) * 4] == doctest::Approx(1e-6).epsilon(1e-3));
  GmmOptions none;
  none.reg_covar = 0.0;
  Rng r2(2);
  CHECK_THROWS_WITH_AS(fit_gmm(x, 3, r2, none),
                       doctest::Contains("is singular (its points lie in a lower-dimensional subspace); raise reg_covar"),
                       std::invalid_argument);
}

TEST_CASE("gmm: bad input gets a message that says what to change") {
  Rng rng(1);
  const Tensor x = Tensor::from({3, 2}, {0, 0, 1, 1, 2, 2});
  CHECK_THROWS_WITH_AS(fit_gmm(x, 4, rng), "fit_gmm: k = 4 components for 3 points; k must be in [1, N]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(fit_gmm(x, 0, rng), "fit_gmm: k = 0 components for 3 points; k must be in [1, N]",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(fit_gmm(Tensor::zeros({6}), 2, rng),
                       "fit_gmm: x must be a 2-d (N,D) tensor of N points, got (6)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(fit_gmm(Tensor::from({2, 2}, {0, 1, NAN, 2}), 1, rng),
                       "fit_gmm: x holds a NaN or infinity at row 1, column 0", std::invalid_argument);
  CHECK_THROWS_WITH_AS(fit_gmm(Tensor::from({3, 1}, {1, 1, 1}), 2, rng),
                       doctest::Contains("fit_gmm: the k-means++ start failed: "), std::invalid_argument);
  GmmOptions o;
  o.reg_covar = -1;
  CHECK_THROWS_WITH_AS(fit_gmm(x, 2, rng, o), "fit_gmm: reg_covar and tol must be >= 0", std::invalid_argument);
  const GmmFit fit = fit_gmm(x, 1, rng);
  CHECK_THROWS_WITH_AS(gmm_predict(fit.model, Tensor::zeros({2, 3})),
                       "gmm_log_responsibilities: x has 3 columns but the mixture was fitted to 2",
                       std::invalid_argument);
}

TEST_CASE("gmm: responsibilities sum to one per point; predict agrees with the fit") {
  Rng rng(9);
  std::vector<int> labels;
  const Tensor x = draw(kThree, 300, rng, labels);
  const GmmFit fit = fit_gmm(x, 3, rng);
  std::vector<double> ll;
  const Tensor logr = gmm_log_responsibilities(fit.model, x, &ll);
  for (int i = 0; i < x.rows(); ++i) {
    double s = 0;
    for (int j = 0; j < 3; ++j) s += std::exp(double(logr.at(i, j)));
    CHECK(s == doctest::Approx(1.0).epsilon(1e-5));
  }
  CHECK(gmm_predict(fit.model, x) == fit.assignment);
}

TEST_CASE("gmm: bit-identical on 1 and 2 threads") {
  Rng data_rng(4);
  std::vector<int> labels;
  const Tensor x = draw(kThree, 3000, data_rng, labels);  // > 256 rows: the E-step splits
  const int saved = num_threads();
  std::vector<GmmFit> fits;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Rng rng(8);
    fits.push_back(fit_gmm(x, 3, rng));
  }
  set_num_threads(saved);
  CHECK(fits[0].log_likelihood == fits[1].log_likelihood);
  CHECK(std::memcmp(fits[0].model.means.data(), fits[1].model.means.data(), 6 * sizeof(float)) == 0);
  CHECK(std::memcmp(fits[0].model.covariances.data(), fits[1].model.covariances.data(), 12 * sizeof(float)) == 0);
}
