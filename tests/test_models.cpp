// test_models.cpp — models show learning on small synthetic data, not merely run.
//
// Each test trains for well under a second and asserts a stated improvement. The
// factors were chosen with margin: each run reaches roughly twice the required fall.
#include <doctest/doctest.h>

#include <chrono>

#include "datasets/loader.h"
#include "datasets/synthetic.h"
#include "models/autoencoder.h"
#include "models/cvae.h"
#include "models/vae.h"
#include "nn/losses.h"
#include "nn/optim.h"
#include "tests/train_epochs.h"

using namespace aet;
using aet::testing::train_epochs;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Full-data loss under NoGrad.
template <class F>
float eval(F loss_fn) {
  NoGrad no_grad;
  return loss_fn();
}

}  // namespace

TEST_CASE("an MLP on Gaussian blobs reaches > 95% accuracy in under a second") {
  const auto t0 = std::chrono::steady_clock::now();
  Rng rng(1);
  Dataset blobs = make_blobs(1000, 10, 4, 1.0f, rng);
  MLP net({10, 32, 4}, ReLU, rng);
  Adam adam(net.parameters(), {.lr = 0.01f});
  BatchLoader loader(blobs, 64, true, rng);
  train_epochs(loader, adam, 5, [&](const Batch& batch) { return cross_entropy_loss(net(batch.x), batch.y); });
  NoGrad no_grad;
  const float acc = accuracy(net(blobs.images), blobs.labels);
  CHECK(acc > 0.95f);
  CHECK(seconds_since(t0) < 1.0);
}

TEST_CASE("the autoencoder learns tiny images: test MSE falls by at least 3x") {
  Rng rng(2);
  Dataset train = make_tiny_images(1024, 12, rng), test = make_tiny_images(256, 12, rng);
  Autoencoder ae(144, {64}, 8, rng);
  Adam adam(ae.parameters(), {.lr = 3e-3f});
  const float before = eval([&] { return ae.loss(test.images).item(); });
  BatchLoader loader(train, 64, true, rng);
  train_epochs(loader, adam, 8, [&](const Batch& batch) { return ae.loss(batch.x); });
  const float after = eval([&] { return ae.loss(test.images).item(); });
  MESSAGE("AE test MSE " << before << " -> " << after);
  CHECK(after < before / 3.0f);
  CHECK_THROWS_WITH_AS(ae.loss(Tensor::zeros({2, 100})), doctest::Contains("input has shape (2,100), but the model was built for (N,144)"),
                       std::invalid_argument);
}

TEST_CASE("the VAE learns tiny images: the negative ELBO falls by at least 2x; samples are in range") {
  Rng rng(3);
  Dataset train = make_tiny_images(1024, 12, rng), test = make_tiny_images(256, 12, rng);
  VAE vae(144, 64, 4, rng);
  Adam adam(vae.parameters(), {.lr = 3e-3f});
  Rng eval_rng(9);
  const float before = eval([&] { return vae.loss(test.images, eval_rng).total.item(); });
  BatchLoader loader(train, 64, true, rng);
  train_epochs(loader, adam, 10, [&](const Batch& batch) { return vae.loss(batch.x, rng).total; });
  eval_rng.reseed(9);
  const float after = eval([&] { return vae.loss(test.images, eval_rng).total.item(); });
  MESSAGE("VAE test loss " << before << " -> " << after << " nats/image");
  CHECK(after < before / 2.0f);
  Tensor s = vae.sample(7, rng);
  CHECK(s.shape() == Shape{7, 144});
  for (float v : s.values()) {
    CHECK(v >= 0.0f);
    CHECK(v <= 1.0f);
  }
  CHECK(tape().size() == 0);  // sampling recorded nothing
}

TEST_CASE("the CVAE generates the class it is asked for (two-class synthetic problem)") {
  // Class 0: horizontal bars, class 1: vertical bars (the first two tiny-image classes).
  Rng rng(4);
  Dataset all = make_tiny_images(2000, 12, rng);
  std::vector<int> idx;
  for (int i = 0; i < all.size(); ++i)
    if (all.labels[i] < 2) idx.push_back(i);
  Dataset two = subset(all, idx);
  two.num_classes = 2;
  two.class_names.resize(2);
  CVAE cvae(144, 2, 64, 2, rng);
  Adam adam(cvae.parameters(), {.lr = 3e-3f});
  BatchLoader loader(two, 64, true, rng);
  Batch b;
  Rng eval_rng(5);
  Tensor y_all = one_hot(two.labels, 2);
  const float before = eval([&] { return cvae.loss(two.images, y_all, eval_rng).total.item(); });
  for (int epoch = 0; epoch < 20; ++epoch) {
    loader.start_epoch();
    while (loader.next(b)) {
      adam.zero_grad();
      VaeLoss loss = cvae.loss(b.x, one_hot(b.y, 2), rng);
      backward(loss.total);
      adam.step();
    }
  }
  eval_rng.reseed(5);
  const float after = eval([&] { return cvae.loss(two.images, y_all, eval_rng).total.item(); });
  MESSAGE("CVAE loss " << before << " -> " << after);
  CHECK(after < before / 2.0f);

  // Which class does a generated image look like? The bars sit at random rows or
  // columns, so both class means are nearly flat gray and "closer to the mean" says
  // little. Orientation says it all: a horizontal bar makes the row sums vary and
  // the column sums flat, a vertical bar the opposite.
  auto looks_horizontal = [](const float* img) {
    double rows[12] = {}, cols[12] = {};
    for (int r = 0; r < 12; ++r)
      for (int c = 0; c < 12; ++c) rows[r] += img[r * 12 + c], cols[c] += img[r * 12 + c];
    auto var = [](const double* v) {
      double m = 0, s = 0;
      for (int i = 0; i < 12; ++i) m += v[i] / 12;
      for (int i = 0; i < 12; ++i) s += (v[i] - m) * (v[i] - m);
      return s;
    };
    return var(rows) > var(cols);
  };
  for (int i = 0; i < 50; ++i)  // the criterion is right on the real images
    CHECK(looks_horizontal(two.images.data() + static_cast<size_t>(i) * 144) == (two.labels[i] == 0));
  for (int k = 0; k < 2; ++k) {
    Tensor s = cvae.sample(k, 100, rng);
    int right = 0;
    for (int i = 0; i < 100; ++i) right += looks_horizontal(s.data() + static_cast<size_t>(i) * 144) == (k == 0);
    MESSAGE("class " << k << ": " << right << "/100 samples have the requested orientation");
    CHECK(right >= 90);
  }
  CHECK_THROWS_WITH_AS(cvae.sample(2, 1, rng), "CVAE::sample: class 2 is outside [0,2)", std::out_of_range);
}
