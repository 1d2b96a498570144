// Tutorial 7 — walking through a latent space: your decoder, in the browser.
// Read README.md beside this file first. This program gets a Z = 2 VAE and CVAE (tutorial
// 4's and 5's, or trains short ones), and writes what the page needs into --out; `make
// tutorial-7` then adds the page and the WebAssembly decoder and serves the folder.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "datasets/loader.h"
#include "nn/checkpoint.h"
#include "nn/progress.h"
#include "tutorials/common/data.h"
#include "tutorials/common/evaluate.h"
#include "tutorials/common/latent_explorer.h"
#include "tutorials/common/options.h"
#include "tutorials/common/train_vae.h"

using namespace aet;
namespace fs = std::filesystem;

// μ of every test image as one flat JSON array [μ₁ of image 0, μ₂ of image 0, μ₁ of image 1, ...].
static std::string mu_json(const Tensor& mu) {
  std::string s = "[";
  for (size_t i = 0; i < mu.size(); ++i) s += fmt::format("{}{:.4f}", i ? "," : "", mu.data()[i]);
  return s + "]";
}

int main(int argc, char** argv) {
  CommonOptions opt;
  opt.epochs = 5;  // only when a model has to be trained here
  opt.out = "out/07-latent-explorer";
  std::string vae_path = "out/04-variational-autoencoder/vae_z2.ckpt";
  std::string cvae_path = "out/05-conditional-vae/cvae_z2.ckpt";
  int map_size = 10000;
  Flags flags("Tutorial 7: export a Z = 2 VAE and CVAE for the latent-space explorer page");
  add_common_flags(flags, opt);
  flags.add("--vae", vae_path, "a Z = 2 VAE checkpoint of tutorial 4 (trained here if the file is missing)");
  flags.add("--cvae", cvae_path, "a Z = 2 CVAE checkpoint of tutorial 5 (trained here if the file is missing)");
  flags.add("--map", map_size, "test images drawn on the map", range(1, 1000000));
  flags.parse(argc, argv);
  try {
    apply_common_flags(opt);
    TutorialData data = load_tutorial_data(opt);
    Dataset &train = data.train, &test = data.test;
    const Dataset shown = first_n(test, std::min(map_size, test.size()));
    const int C = train.num_classes;

    // The models: read with the same loader the page runs (latent_explorer.h), or trained
    // here with tutorial 4's and 5's recipe (784-400-(2,2), Adam 1e-3) when there is no file.
    // --smoke always trains: the test suite must not depend on what is in out/.
    Rng rng(opt.seed);
    auto get = [&](const std::string& path, bool conditional) {
      if (!opt.smoke && fs::exists(path)) {
        fmt::print("reusing {}\n", path);
        return load_explorer_model(path);
      }
      const std::string saved = opt.out + (conditional ? "/cvae.ckpt" : "/vae.ckpt");
      fmt::print("no {} here: training a Z = 2 {} for {} epochs (run tutorial {} with --latent 2 for a better one)\n",
                 path, conditional ? "CVAE" : "VAE", opt.epochs, conditional ? 5 : 4);
      if (conditional) {
        CVAE cvae(train.dim(), C, 400, 2, rng);
        train_cvae(cvae, train, opt.epochs, rng, "CVAE");
        save_parameters(saved, cvae.parameters());
      } else {
        VAE vae(train.dim(), 400, 2, rng);
        train_vae(vae, train, opt.epochs, rng, "VAE");
        save_parameters(saved, vae.parameters());
      }
      return load_explorer_model(saved);
    };
    const ExplorerModel vae = get(vae_path, false), cvae = get(cvae_path, true);
    fmt::print("\nVAE layers:\n{}\nCVAE layers:\n{}\n", vae.layers, cvae.layers);

    // The page's files: both checkpoints (in the toolkit's own format), the
    // test codes μ with their labels, and the test images themselves as bytes.
    save_parameters(opt.out + "/vae.ckpt", vae.vae->parameters());
    save_parameters(opt.out + "/cvae.ckpt", cvae.cvae->parameters());
    NoGrad no_grad;
    const Tensor y = one_hot(shown.labels, C);
    const Tensor mu_vae = vae.vae->encode(shown.images).mu, mu_cvae = cvae.cvae->encode(shown.images, y).mu;
    std::string names = "[", labels = "[";
    for (int k = 0; k < C; ++k) names += fmt::format("{}\"{}\"", k ? "," : "", test.class_names[k]);
    for (int i = 0; i < shown.size(); ++i) labels += fmt::format("{}{}", i ? "," : "", shown.labels[i]);
    std::ofstream(opt.out + "/codes.json") << fmt::format(R"({{"class_names":{}],"labels":{}],"vae":{},"cvae":{}}})",
                                                          names, labels, mu_json(mu_vae), mu_json(mu_cvae));
    std::string bytes(shown.images.size(), '\0');
    std::transform(shown.images.data(), shown.images.data() + bytes.size(), bytes.begin(),
                   [](float v) { return char(std::lround(std::clamp(v, 0.0f, 1.0f) * 255)); });
    std::ofstream(opt.out + "/test_images.u8", std::ios::binary) << bytes;

    // How good the two models are (the full negative ELBO, one ε per image), and what one
    // decode costs natively: the page shows its own time beside the image.
    Rng eps(opt.seed + 1);
    const double vae_loss = mean_over_test(test, [&](const Batch& b) { return vae.vae->loss(b.x, eps).total.item(); });
    const double cvae_loss = mean_over_test(
        test, [&](const Batch& b) { return cvae.cvae->loss(b.x, one_hot(b.y, C), eps).total.item(); });
    std::vector<double> ms;
    for (int i = 0; i < 200; ++i) {
      Timer t;
      explorer_decode(vae, std::sin(i), std::cos(i), 0);
      ms.push_back(t.seconds() * 1e3);
    }
    std::nth_element(ms.begin(), ms.begin() + 100, ms.end());
    fmt::print("test loss: VAE {:.2f}, CVAE {:.2f} nats per image (negative ELBO)\n", vae_loss, cvae_loss);
    fmt::print("native decode of one z: {:.3f} ms (median of 200)\n", ms[100]);
    fmt::print("wrote {0}/vae.ckpt, {0}/cvae.ckpt, {0}/codes.json ({1} test codes), {0}/test_images.u8\n", opt.out,
               shown.size());
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
