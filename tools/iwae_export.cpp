// iwae_export.cpp — the C++ half of tutorials/04-variational-autoencoder/iwae_reference.py.
//
// Loads tutorial 4's trained VAE (vae_z20.ckpt) and the first N test images, computes the
// importance-weighted estimate L_k of log p(x) for k = 1, 64 and 5 000 exactly as the
// tutorial does (same seed, same generator), and writes one checkpoint (nn/checkpoint.h's
// format) with everything the PyTorch script needs to recompute it on its own:
//   x (N,784)             the test images
//   z_k<k> (N·k,Z)        the codes the decoder was given, image by image, sample by sample
//   L_k<k> (N)            the per-image estimates L_k(x_i) this build computed
// The script reads the weights itself, runs the encoder and decoder in float64, and takes
// ε = (z − μ)/σ from the codes: so it shares the random numbers, nothing else.
//
//   ./build/tools/iwae_export --model out/04-variational-autoencoder/vae_z20.ckpt
//       --out out/04-variational-autoencoder/iwae_case.ckpt [--likelihood cb] [--images 100]
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <numeric>

#include "models/vae.h"
#include "nn/checkpoint.h"
#include "tutorials/common/data.h"

using namespace aet;

int main(int argc, char** argv) {
  CLI::App app("Export tutorial 4's IWAE estimate and its random codes for the PyTorch reference");
  std::string model, out, likelihood = "bce", data;
  int images = 100, latent = 20;
  uint64_t seed = 42;
  app.add_option("--model", model, "tutorial 4's vae_z<Z>.ckpt")->required();
  app.add_option("--out", out, "checkpoint to write")->required();
  app.add_option("--likelihood", likelihood, "bce or cb, as the model was trained")->check(CLI::IsMember({"bce", "cb"}));
  app.add_option("--images", images, "first N test images")->check(CLI::Range(1, 10000));
  app.add_option("--latent", latent, "Z of the model")->check(CLI::Range(1, 784));
  app.add_option("--seed", seed, "the tutorial's --seed");
  app.add_option("--data", data, "data folder, as the tutorials' --data");
  CLI11_PARSE(app, argc, argv);
  try {
    CommonOptions opt;
    opt.data = data;
    TutorialData d = load_tutorial_data(opt);
    std::vector<int> first(std::min(images, d.test.size()));
    std::iota(first.begin(), first.end(), 0);
    const Dataset test = subset(d.test, first);
    Rng init(0);
    VAE vae(test.dim(), 400, latent, init);
    load_parameters(model, vae.parameters());
    vae.likelihood = likelihood == "cb" ? PixelLikelihood::ContinuousBernoulli : PixelLikelihood::Bernoulli;
    Checkpoint ckpt;
    ckpt.tensors.push_back({"x", test.images});
    for (int k : {1, 64, 5000}) {
      std::vector<Tensor> codes;
      const VAE::Posterior q = [&] { NoGrad g; return vae.encode(test.images); }();
      Rng rng(seed + 4);  // the generator tutorials/common/likelihood_report.cpp gives each k
      const LogLikelihoodEstimate e = importance_log_likelihood(
          test.images, q.mu, q.logvar, k, rng,
          [&](const Tensor& z, std::span<const int>) { codes.push_back(z.clone()); return vae.decode_logits(z); },
          vae.likelihood);
      Tensor z = Tensor::empty({test.size() * k, latent}), L = Tensor::empty({test.size()});
      size_t at = 0;
      for (const Tensor& c : codes) std::copy_n(c.data(), c.size(), z.data() + at), at += c.size();
      for (int i = 0; i < test.size(); ++i) L.data()[i] = float(e.per_image[i]);
      ckpt.tensors.push_back({fmt::format("z_k{}", k), z});
      ckpt.tensors.push_back({fmt::format("L_k{}", k), L});
      fmt::print("k = {:>4}: -L_k = {:.4f} nats per image over {} images\n", k, -e.mean, test.size());
    }
    save_checkpoint(out, ckpt);
    fmt::print("wrote {}\n", out);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
