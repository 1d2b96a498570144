// test_continuous_bernoulli.cpp — the continuous Bernoulli's normaliser log C and its
// loss (nn/losses.h): values against the λ form of the paper, a density that integrates
// to one, stability at λ = ½ and at extreme logits, and gradient checks.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "gradcheck.h"
#include "nn/losses.h"

using namespace aet;
using aet::testing::gradcheck;

namespace {
float log_c(float l) { return cb_log_normalizer(Tensor::full({1}, l)).item(); }
}  // namespace

TEST_CASE("cb_log_normalizer: equals log(2 artanh(1 − 2λ) / (1 − 2λ)) and log 2 at λ = ½") {
  for (double lam : {0.01, 0.1, 0.3, 0.45, 0.55, 0.7, 0.99}) {
    const double l = std::log(lam / (1 - lam));
    const double expected = std::log(2 * std::atanh(1 - 2 * lam) / (1 - 2 * lam));
    CHECK(log_c(static_cast<float>(l)) == doctest::Approx(expected).epsilon(1e-6));
  }
  CHECK(log_c(0.0f) == doctest::Approx(std::log(2.0)).epsilon(1e-7));
  // The two branches meet at |l| = 0.1 without a step (the Taylor series' first
  // omitted term there is ~1e-13), and the λ form itself loses digits near ½: at
  // λ = ½ + 1e-6 it is 0/0 to within float's epsilon, the series is not.
  CHECK(log_c(0.0999999f) == doctest::Approx(log_c(0.1000001f)).epsilon(1e-6));
  CHECK(log_c(-0.0999999f) == doctest::Approx(log_c(-0.1000001f)).epsilon(1e-6));
  CHECK(log_c(4e-6f) == doctest::Approx(std::log(2.0) + 4e-12 / 3.0 * 0.25 * 4).epsilon(1e-7));
  // Extreme logits: C grows like |l| (the density piles up at one end), finite.
  CHECK(log_c(50.0f) == doctest::Approx(std::log(50.0)).epsilon(1e-6));
  CHECK(log_c(-80.0f) == doctest::Approx(std::log(80.0)).epsilon(1e-6));
}

TEST_CASE("continuous_bernoulli_loss: exp(−loss) is a density on [0,1] (integrates to 1)") {
  // p(x | λ) = C(λ) λ^x (1−λ)^(1−x); Simpson's rule on 1001 points, whose error for
  // this smooth exponential in x is far below the 1e-5 asked.
  for (float l : {-6.0f, -1.0f, 0.0f, 0.03f, 0.5f, 3.0f}) {
    const int G = 1001;
    std::vector<float> xs(G);
    for (int g = 0; g < G; ++g) xs[g] = static_cast<float>(g) / (G - 1);
    double integral = 0;
    for (int g = 0; g < G; ++g) {
      const double nll = continuous_bernoulli_loss(Tensor::full({1, 1}, l), Tensor::full({1, 1}, xs[g])).item();
      const double w = (g == 0 || g == G - 1) ? 1 : (g % 2 ? 4 : 2);
      integral += w * std::exp(-nll);
    }
    integral *= 1.0 / (G - 1) / 3.0;
    CHECK_MESSAGE(integral == doctest::Approx(1.0).epsilon(1e-5), "logit " << l);
  }
  // Plain BCE is not normalised: at λ = ½ its density is ½ everywhere, integral ½.
  CHECK(std::exp(-bce_loss(Tensor::zeros({1, 1}), Tensor::full({1, 1}, 0.3f)).item()) == doctest::Approx(0.5));
}

TEST_CASE("cb_log_normalizer: its derivative is 1/l − 1/sinh(l) on both branches") {
  // Against the closed form in double, which is accurate at these l (the series is
  // what the op uses below |l| = 0.1; 0.05 and −0.09 test it, 0.5 and −7 the other side).
  for (double l : {0.05, -0.09, 0.5, -7.0}) {
    Tensor x = Tensor::full({1}, static_cast<float>(l), true);
    Tensor y = cb_log_normalizer(x);
    backward(y);
    const double lf = static_cast<float>(l);
    CHECK(x.grad()[0] == doctest::Approx(1 / lf - 1 / std::sinh(lf)).epsilon(1e-6));
  }
  Tensor x0 = Tensor::full({1}, 0.0f, true);
  Tensor y0 = cb_log_normalizer(x0);
  backward(y0);
  CHECK(x0.grad()[0] == 0.0f);  // C is even in l: flat at λ = ½
}

TEST_CASE("cb_log_normalizer and continuous_bernoulli_loss: gradient checks on every element") {
  Rng rng(17);
  // Logits near 0 (the Taylor branch, and steps of h = 1e-2 across the switch at 0.1)
  // and far from it (the exponential branch).
  Tensor near = Tensor::uniform({3, 4}, rng, -0.15f, 0.15f, true);
  Tensor far = Tensor::uniform({3, 4}, rng, -6.0f, 6.0f, true);
  gradcheck("cb_log_normalizer near 0", [](std::vector<Tensor>& in) { return cb_log_normalizer(in[0]); }, {near});
  gradcheck("cb_log_normalizer", [](std::vector<Tensor>& in) { return cb_log_normalizer(in[0]); }, {far});
  const Tensor target = Tensor::uniform({3, 4}, rng, 0.0f, 1.0f);
  gradcheck("continuous_bernoulli_loss",
            [&](std::vector<Tensor>& in) { return continuous_bernoulli_loss(in[0], target); }, {far});
  CHECK_THROWS_AS(continuous_bernoulli_loss(Tensor::zeros({2, 3}), Tensor::zeros({3, 2})), std::invalid_argument);
}

TEST_CASE("continuous_bernoulli_mean: equals ∫ x p(x|λ) dx, is ½ + l/12 near λ = ½, and is not λ") {
  // Simpson's rule on 1001 points of x · C(l) e^{l x} / (1 + e^l), as in the test above.
  for (float l : {-9.0f, -2.0f, -0.3f, -0.011f, -0.009f, 0.0f, 1e-4f, 0.2f, 1.5f, 7.0f}) {
    const double c = std::exp(double(log_c(l))), lam = 1.0 / (1.0 + std::exp(-double(l)));
    const int n = 1000;
    double integral = 0.0;
    for (int i = 0; i <= n; ++i) {
      const double x = double(i) / n, w = (i == 0 || i == n) ? 1.0 : (i % 2 ? 4.0 : 2.0);
      integral += w * x * c * std::pow(lam, x) * std::pow(1.0 - lam, 1.0 - x);
    }
    integral /= 3.0 * n;
    CHECK(continuous_bernoulli_mean(Tensor::full({1}, l)).item() == doctest::Approx(integral).epsilon(1e-5));
  }
  // The mean sits between λ and ½: a decoder's λ = 0.9 shows as a grey of 0.9/0.8 − 1/log 9 ≈ 0.670.
  CHECK(continuous_bernoulli_mean(Tensor::full({1}, std::log(9.0f))).item() == doctest::Approx(0.66988).epsilon(1e-4));
  // pixel_mean and pixel_nll pick the Bernoulli or the continuous Bernoulli.
  const Tensor l = Tensor::full({2, 3}, 1.5f), x = Tensor::full({2, 3}, 0.25f);
  CHECK(pixel_mean(l, PixelLikelihood::Bernoulli).values()[0] == doctest::Approx(1.0 / (1.0 + std::exp(-1.5))));
  CHECK(pixel_mean(l, PixelLikelihood::ContinuousBernoulli).values()[4] ==
        doctest::Approx(continuous_bernoulli_mean(l).values()[4]));
  CHECK(pixel_nll(l, x, PixelLikelihood::ContinuousBernoulli).item() ==
        doctest::Approx(continuous_bernoulli_loss(l, x).item()));
  CHECK(pixel_nll(l, x, PixelLikelihood::Bernoulli).item() == doctest::Approx(bce_loss(l, x).item()));
}
