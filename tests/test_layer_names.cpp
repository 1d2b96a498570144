// test_layer_names.cpp — shape errors name the model's layer, not only the op.
#include <doctest/doctest.h>

#include "error_of.h"
#include "models/autoencoder.h"
#include "models/cvae.h"
#include "models/vae.h"
#include "nn/layers.h"

using namespace aet;
using aet::testing::error_of;

TEST_CASE("a shape error names the layer: the VAE's, the CVAE's and the autoencoder's Linear layers") {
  Rng rng(1);
  VAE vae(6, 5, 2, rng);
  CHECK(error_of([&] { vae.encode(Tensor::zeros({3, 4})); }) ==
        "enc_hidden: Linear(6→5): input has shape (3,4), expected (N,6)");
  CHECK(error_of([&] { vae.decode(Tensor::zeros({3, 3})); }) ==
        "decoder.0: Linear(2→5): input has shape (3,3), expected (N,2)");
  CHECK(error_of([&] { vae.enc_mu(Tensor::zeros({3, 4})); }) ==
        "enc_mu: Linear(5→2): input has shape (3,4), expected (N,5)");
  CVAE cvae(6, 3, 5, 2, rng);
  CHECK(error_of([&] { cvae.decode(Tensor::zeros({2, 2}), Tensor::zeros({2, 2})); }) ==
        "decoder.0: Linear(5→5): input has shape (2,4), expected (N,5)");
  Autoencoder ae(8, {4}, 2, rng);
  CHECK(error_of([&] { ae.decode(Tensor::zeros({1, 3})); }) ==
        "decoder.0: Linear(2→4): input has shape (1,3), expected (N,2)");
  // A layer nobody named keeps the plain message.
  Linear plain(3, 2, Init::Xavier, rng);
  CHECK(error_of([&] { plain(Tensor::zeros({1, 4})); }) == "Linear(3→2): input has shape (1,4), expected (N,3)");
}

TEST_CASE("a shape error names the layer: Conv2d and ConvTranspose2d with a name") {
  Rng rng(2);
  Conv2d conv(1, 4, 3, rng);
  conv.name = "enc_conv1";
  CHECK(error_of([&] { conv(Tensor::zeros({2, 3, 8, 8})); }).rfind("enc_conv1: Conv2d(1→4, 3x3", 0) == 0);
  ConvTranspose2d up(4, 1, 3, rng);
  up.name = "dec_up2";
  CHECK(error_of([&] { up(Tensor::zeros({2, 2, 8, 8})); }).rfind("dec_up2: ConvTranspose2d(4→1, 3x3", 0) == 0);
}
