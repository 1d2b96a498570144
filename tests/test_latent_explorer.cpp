// test_latent_explorer.cpp — tutorial 7's model loader and decoder (the code the page runs
// as WebAssembly, tested here natively), and the CRC-32 the WebAssembly build uses in place
// of zlib's. The page itself is tested in a browser by `make test-explorer`.
#include <doctest/doctest.h>
#include <zlib.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "models/cvae.h"
#include "models/vae.h"
#include "nn/checkpoint.h"
#include "tests/error_of.h"
#include "tests/temp_dir.h"
#include "tutorials/07-latent-explorer/wasm/crc32.h"
#include "tutorials/common/latent_explorer.h"

using namespace aet;
using aet::testing::error_of;
using aet::testing::has;

TEST_CASE("latent explorer: the wasm build's CRC-32 equals zlib's, whole and in pieces") {
  std::vector<unsigned char> bytes(1000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 131 + (i >> 3));
  for (size_t n : {0, 1, 7, 9, 33, 1000}) {
    const uint32_t want = static_cast<uint32_t>(::crc32_z(0, bytes.data(), n));
    CHECK(crc32_update(0, bytes.data(), n) == want);
    const size_t half = n / 3;  // a running CRC, continued as the checkpoint reader does
    CHECK(crc32_update(crc32_update(0, bytes.data(), half), bytes.data() + half, n - half) == want);
  }
  CHECK(crc32_update(0, reinterpret_cast<const unsigned char*>("123456789"), 9) == 0xCBF43926u);  // the check value
}

TEST_CASE("latent explorer: a VAE and a CVAE checkpoint load and decode as the models do") {
  aet::testing::TempDir dir;
  Rng rng(3);
  VAE vae(16, 8, 2, rng);
  CVAE cvae(16, 3, 8, 2, rng);
  save_parameters(dir.file("vae.ckpt"), vae.parameters());
  save_parameters(dir.file("cvae.ckpt"), cvae.parameters());

  const ExplorerModel v = load_explorer_model(dir.file("vae.ckpt"));
  REQUIRE(!v.conditional());
  CHECK(v.latent == 2);
  CHECK(v.pixels == 16);
  CHECK(v.layers.find("decoder.0  weight (2,8)") != std::string::npos);
  const ExplorerModel c = load_explorer_model(dir.file("cvae.ckpt"));
  REQUIRE(c.conditional());
  CHECK(c.classes == 3);
  CHECK(c.layers.find("decoder.0  weight (5,8)") != std::string::npos);

  NoGrad no_grad;
  const Tensor z = Tensor::from({1, 2}, {0.5f, -1.25f});
  const Tensor want_v = vae.decode(z), want_c = cvae.decode(z, Tensor::from({1, 3}, {0, 0, 1}));
  const std::vector<float> got_v = explorer_decode(v, 0.5f, -1.25f, 0), got_c = explorer_decode(c, 0.5f, -1.25f, 2);
  REQUIRE(got_v.size() == 16);
  REQUIRE(got_c.size() == 16);
  for (int i = 0; i < 16; ++i) {
    CHECK(got_v[i] == want_v.data()[i]);  // the same weights and code: the same floats
    CHECK(got_c[i] == want_c.data()[i]);
  }
  CHECK(explorer_decode(c, 0.5f, -1.25f, 0) != got_c);  // the class reaches the decoder
  CHECK(error_of([&] { explorer_decode(c, 0, 0, 3); }) == "explorer_decode: class 3 is outside [0,3)");
}

TEST_CASE("latent explorer: wrong checkpoints are refused with a message naming the file") {
  aet::testing::TempDir dir;
  Rng rng(4);
  VAE wide(16, 8, 5, rng);
  save_parameters(dir.file("z5.ckpt"), wide.parameters());
  CHECK(error_of([&] { load_explorer_model(dir.file("z5.ckpt")); }) ==
        dir.file("z5.ckpt") + ": the explorer draws a 2-D latent plane, but this model has Z = 5 (train it with "
                              "--latent 2)");
  save_parameters(dir.file("other.ckpt"), {{"weight", Tensor::zeros({2, 2})}});
  CHECK(error_of([&] { load_explorer_model(dir.file("other.ckpt")); }) ==
        dir.file("other.ckpt") + ": not a VAE or CVAE checkpoint of tutorials 4 or 5 (it has no tensor "
                                 "'enc_hidden.weight')");
  // A damaged file: the checkpoint loader's own message, which the page shows as it is.
  std::string bytes;
  {
    std::ifstream in(dir.file("z5.ckpt"), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() / 2] ^= 0x40;
  std::ofstream(dir.file("flipped.ckpt"), std::ios::binary) << bytes;
  CHECK_THROWS_WITH_AS(load_explorer_model(dir.file("flipped.ckpt")), has("flipped.ckpt': checksum mismatch"),
                       std::runtime_error);
}
