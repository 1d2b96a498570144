// test_layers.cpp — Linear, MLP, the loss conventions, the KL term and the
// reparameterization trick.
#include <doctest/doctest.h>

#include <cmath>

#include "nn/layers.h"
#include "models/vae.h"
#include "nn/losses.h"
#include "tests/gradcheck.h"

using namespace aet;
using aet::testing::gradcheck;
using aet::testing::rand_param;
using Inputs = std::vector<Tensor>;

TEST_CASE("Linear: shapes, He init statistics, zero bias, clear shape error") {
  Rng rng(1);
  Linear l(400, 300, Init::He, rng);
  CHECK(l.W.shape() == Shape{400, 300});
  CHECK(l.b.shape() == Shape{1, 300});
  double s = 0, s2 = 0;
  for (float v : l.W.values()) s += v, s2 += double(v) * v;
  const double n = l.W.size(), var = s2 / n - (s / n) * (s / n);
  CHECK(var == doctest::Approx(2.0 / 400).epsilon(0.05));  // He: Var W = 2/fan_in
  for (float v : l.b.values()) CHECK(v == 0.0f);
  CHECK(l(Tensor::zeros({5, 400})).shape() == Shape{5, 300});
  CHECK_THROWS_WITH_AS(l(Tensor::zeros({5, 784})), "Linear(400→300): input has shape (5,784), expected (N,400)",
                       std::invalid_argument);
}

TEST_CASE("Linear: Xavier init stays inside its bound") {
  Rng rng(2);
  Linear l(10, 6, Init::Xavier, rng);
  const float a = std::sqrt(6.0f / 16.0f);
  for (float v : l.W.values()) CHECK(std::fabs(v) <= a);
}

TEST_CASE("MLP: layers, dotted parameter names, describe, same seed same weights") {
  Rng r1(7), r2(7);
  MLP a({784, 512, 256, 10}, ReLU, r1), b({784, 512, 256, 10}, ReLU, r2);
  CHECK(a.layers.size() == 3);
  auto p = a.parameters();
  REQUIRE(p.size() == 6);
  CHECK(p[0].name == "0.weight");
  CHECK(p[5].name == "2.bias");
  CHECK(p[4].tensor.shape() == Shape{256, 10});
  CHECK(a.num_parameters() == 784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10);
  CHECK(a.describe() == "784-512(ReLU)-256(ReLU)-10");
  CHECK(a.layers[1].W.to_vector() == b.layers[1].W.to_vector());
  CHECK_THROWS_WITH_AS(MLP({5}, ReLU, r1), "MLP: needs at least two widths {in, out}, got 1", std::invalid_argument);
}

TEST_CASE("MLP: gradient check through two layers") {
  Rng rng(3);
  MLP net({3, 4, 2}, Tanh, rng);
  auto params = net.parameters();
  gradcheck("mlp",
            [&](Inputs& x) { return net(x[0]); },
            {rand_param({5, 3}, rng)});
  // and with respect to the first layer's weights
  gradcheck("mlp weights", [&](Inputs& x) { return tanh(linear(x[1], x[0], Tensor())); },
            {net.layers[0].W, rand_param({5, 3}, rng)});
}

TEST_CASE("freezing a module stops gradients reaching its parameters") {
  Rng rng(4);
  MLP net({3, 4, 2}, ReLU, rng);
  net.set_trainable(false);
  tape().clear();
  Tensor x = Tensor::randn({2, 3}, rng, 1.0f, true);
  Tensor L = sum(net(x));
  backward(L);
  for (auto& p : net.parameters()) CHECK_FALSE(p.tensor.has_grad());
  CHECK(x.has_grad());
}

TEST_CASE("gaussian_kl: exactly 0 at μ = 0, log σ² = 0; value by hand; gradient check") {
  CHECK(gaussian_kl(Tensor::zeros({4, 3}), Tensor::zeros({4, 3})).item() == 0.0f);
  // One row, μ = (1, 0), log σ² = (0, log 2):
  //   −½[(1 + 0 − 1 − 1) + (1 + ln 2 − 0 − 2)] = −½[−1 + ln2 − 1] = 1 − ln2/2 = 0.653426
  Tensor mu = Tensor::from({1, 2}, {1, 0}), lv = Tensor::from({1, 2}, {0, std::log(2.0f)});
  CHECK(gaussian_kl(mu, lv).item() == doctest::Approx(0.653426).epsilon(1e-5));
  // The batch average: two identical rows give the same value as one.
  Tensor mu2 = Tensor::from({2, 2}, {1, 0, 1, 0}), lv2 = Tensor::from({2, 2}, {0, std::log(2.0f), 0, std::log(2.0f)});
  CHECK(gaussian_kl(mu2, lv2).item() == doctest::Approx(0.653426).epsilon(1e-5));
  Rng rng(5);
  gradcheck("gaussian_kl", [](Inputs& x) { return gaussian_kl(x[0], x[1]); },
            {rand_param({3, 4}, rng), rand_param({3, 4}, rng)});
}

TEST_CASE("reparameterize: gradient reaches μ and log σ² with ε held fixed") {
  Rng rng(6);
  gradcheck("reparameterize",
            [](Inputs& x) {
              Rng eps_rng(99);  // the same ε on every evaluation
              return reparameterize(x[0], x[1], eps_rng);
            },
            {rand_param({3, 4}, rng), rand_param({3, 4}, rng)});
  // With log σ² = −∞-like (very negative) the sample is μ itself.
  Rng r(1);
  Tensor z = reparameterize(Tensor::full({2, 2}, 3.0f), Tensor::full({2, 2}, -80.0f), r);
  for (float v : z.values()) CHECK(v == doctest::Approx(3.0f));
}

TEST_CASE("bce_loss reports nats per image; mse_loss per element") {
  // Two images of 3 pixels, logits 0 everywhere: each pixel costs log 2, each image 3 log 2.
  Tensor logits = Tensor::zeros({2, 3}), target = Tensor::full({2, 3}, 1.0f);
  CHECK(bce_loss(logits, target).item() == doctest::Approx(3 * std::log(2.0)));
  CHECK(mse_loss(Tensor::zeros({2, 3}), target).item() == doctest::Approx(1.0));
}

TEST_CASE("looks_like_probabilities flags sigmoid(logits), never a fresh decoder's logits or a small tensor") {
  // The mistake it is for: a VAE's decode() (probabilities) given to bce_loss.
  Rng rng(3);
  VAE vae(784, 400, 20, rng);
  NoGrad no_grad;
  for (int seed : {1, 2, 3}) {
    Rng zr(seed);
    Tensor z = Tensor::randn({128, 20}, zr);
    CHECK_FALSE(looks_like_probabilities(vae.decode_logits(z)));
    CHECK(looks_like_probabilities(vae.decode(z)));
  }
  // Below 4 096 values nothing is flagged (a test's or a toy problem's logits in [0, 1]).
  CHECK_FALSE(looks_like_probabilities(Tensor::full({4, 784}, 0.5f)));
  CHECK(looks_like_probabilities(Tensor::full({8, 784}, 0.5f)));
  // One value outside [0, 1] anywhere clears it.
  Tensor p = Tensor::full({8, 784}, 0.5f);
  p.data()[8 * 784 - 1] = -0.01f;
  CHECK_FALSE(looks_like_probabilities(p));
}

TEST_CASE("accuracy counts argmax hits") {
  Tensor logits = Tensor::from({3, 2}, {1, 0, 0, 1, 5, 4});
  std::vector<int> y{0, 0, 0};
  CHECK(accuracy(logits, y) == doctest::Approx(2.0 / 3));
}

TEST_CASE("Linear: Uniform init (PyTorch's default) draws W and b from U(±1/√fan_in)") {
  Rng rng(3);
  Linear l(400, 20, Init::Uniform, rng);
  const float a = 1.0f / 20.0f;  // 1/√400
  float lo = 1, hi = -1;
  for (float v : l.W.values()) lo = std::min(lo, v), hi = std::max(hi, v);
  CHECK(lo >= -a);
  CHECK(hi <= a);
  CHECK(hi > 0.9f * a);  // the range is used, not a narrower one
  bool bias_nonzero = false;
  for (float v : l.b.values()) {
    CHECK(std::fabs(v) <= a);
    bias_nonzero = bias_nonzero || v != 0.0f;
  }
  CHECK(bias_nonzero);
  MLP m({4, 8, 2}, ReLU, rng, Identity, Init::Uniform);
  for (float v : m.layers[0].W.values()) CHECK(std::fabs(v) <= 0.5f);
}
