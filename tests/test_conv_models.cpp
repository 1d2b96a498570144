// test_conv_models.cpp — the conv VAE and conv CVAE show learning on tiny synthetic images.
//
// Small images (12x12: the sides must be multiples of 4) keep each run to a few seconds;
// MESSAGE prints what each run reaches beside what it must reach.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "datasets/loader.h"
#include "datasets/synthetic.h"
#include "models/conv_cvae.h"
#include "models/conv_vae.h"
#include "nn/optim.h"

using namespace aet;

namespace {

// Horizontal bars make the row sums vary and the column sums flat; vertical bars the opposite.
bool looks_horizontal(const float* img, int side) {
  std::vector<double> rows(side), cols(side);
  for (int r = 0; r < side; ++r)
    for (int c = 0; c < side; ++c) rows[r] += img[r * side + c], cols[c] += img[r * side + c];
  auto var = [side](const std::vector<double>& v) {
    double m = 0, s = 0;
    for (double e : v) m += e / side;
    for (double e : v) s += (e - m) * (e - m);
    return s;
  };
  return var(rows) > var(cols);
}

// BCE per image of the best image that ignores its input: every pixel the training mean.
// A VAE whose decoder ignores z (posterior collapse) scores this; one that uses z beats it.
float mean_image_bce(const Dataset& train, const Dataset& test) {
  const int D = train.dim();
  std::vector<double> m(D);
  for (int n = 0; n < train.size(); ++n)
    for (int d = 0; d < D; ++d) m[d] += train.images.data()[size_t(n) * D + d] / train.size();
  double bce = 0;
  for (int n = 0; n < test.size(); ++n)
    for (int d = 0; d < D; ++d) {
      const double x = test.images.data()[size_t(n) * D + d], p = std::clamp(m[d], 1e-6, 1 - 1e-6);
      bce -= x * std::log(p) + (1 - x) * std::log(1 - p);
    }
  return float(bce / test.size());
}

}  // namespace

TEST_CASE("the conv VAE learns tiny images: its test negative ELBO ends well below the mean image's BCE") {
  Rng rng(6);
  Dataset train = make_tiny_images(1024, 12, rng), test = make_tiny_images(256, 12, rng);
  ConvVAE vae(12, 4, rng);
  Adam adam(vae.parameters(), {.lr = 3e-3f});
  auto test_loss = [&] {
    NoGrad no_grad;
    Rng eps(7);  // the same ε before and after
    return vae.loss(test.images, eps).total.item();
  };
  const float before = test_loss();
  BatchLoader loader(train, 64, true, rng);
  Batch b;
  for (int epoch = 0; epoch < 6; ++epoch) {
    loader.start_epoch();
    while (loader.next(b)) {
      adam.zero_grad();
      VaeLoss loss = vae.loss(b.x, rng);
      backward(loss.total);
      adam.step();
    }
  }
  const float after = test_loss(), floor = mean_image_bce(train, test);
  MESSAGE("conv VAE test negative ELBO " << before << " -> " << after << "; mean image's BCE " << floor);
  CHECK(after < 0.95f * floor);  // the run reaches 0.89 (an untrained model scores 1.8x the floor)
  CHECK(vae.sample(3, rng).shape() == Shape{3, 144});
  CHECK(vae.reconstruct(test.images).shape() == test.images.shape());
  CHECK(vae.parameters()[0].name == "encoder.conv1.weight");
  CHECK(vae.parameters().back().name == "decoder.out.bias");
  CHECK_THROWS_WITH_AS(vae.encode(Tensor::zeros({2, 100})),
                       "ConvVAE: input has shape (2,100), but the model was built for (N,144) rows of 12x12 images",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(ConvVAE(10, 4, rng),
                       "ConvVAE: the image side must be a positive multiple of 4 (two stride-2 layers halve it "
                       "twice), got 10",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(ConvVAE(8, 0, rng), "ConvVAE: latent size must be >= 1, got 0", std::invalid_argument);
}

TEST_CASE("the conv CVAE draws the orientation it is asked for (two-class synthetic problem)") {
  // Class 0: horizontal bars, class 1: vertical bars (the first two tiny-image classes).
  Rng rng(8);
  Dataset all = make_tiny_images(1500, 12, rng);
  std::vector<int> idx;
  for (int i = 0; i < all.size(); ++i)
    if (all.labels[i] < 2) idx.push_back(i);
  Dataset two = subset(all, idx);
  two.num_classes = 2;
  two.class_names.resize(2);
  ConvCVAE cvae(12, 2, 2, rng);
  Adam adam(cvae.parameters(), {.lr = 3e-3f});
  Tensor y_all = one_hot(two.labels, 2);
  auto full_loss = [&] {
    NoGrad no_grad;
    Rng eps(9);
    return cvae.loss(two.images, y_all, eps).total.item();
  };
  const float before = full_loss();
  BatchLoader loader(two, 64, true, rng);
  Batch b;
  for (int epoch = 0; epoch < 8; ++epoch) {
    loader.start_epoch();
    while (loader.next(b)) {
      adam.zero_grad();
      VaeLoss loss = cvae.loss(b.x, one_hot(b.y, 2), rng);
      backward(loss.total);
      adam.step();
    }
  }
  const float after = full_loss();
  MESSAGE("conv CVAE loss " << before << " -> " << after);
  CHECK(after < before / 2.0f);
  for (int i = 0; i < 50; ++i)  // the criterion is right on the real images
    CHECK(looks_horizontal(two.images.data() + size_t(i) * 144, 12) == (two.labels[i] == 0));
  for (int k = 0; k < 2; ++k) {
    Tensor s = cvae.sample(k, 100, rng);
    int right = 0;
    for (int i = 0; i < 100; ++i) right += looks_horizontal(s.data() + size_t(i) * 144, 12) == (k == 0);
    MESSAGE("class " << k << ": " << right << "/100 samples have the requested orientation");
    CHECK(right >= 90);
  }
  CHECK_THROWS_WITH_AS(cvae.sample(2, 1, rng), "ConvCVAE::sample: class 2 is outside [0,2)", std::out_of_range);
  CHECK_THROWS_WITH_AS(cvae.encode(Tensor::zeros({4, 144}), Tensor::zeros({3, 2})),
                       "ConvCVAE: labels have shape (3,2), expected one-hot (4,2) for input (4,144)",
                       std::invalid_argument);
}
