// Tutorial 4 — the variational autoencoder: a latent space you can sample new images from.
// Read README.md beside this file first; this program trains what it describes.
#include <fmt/core.h>

#include <algorithm>

#include "datasets/loader.h"
#include "models/vae.h"
#include "nn/checkpoint.h"
#include "nn/progress.h"
#include "nn/training_state.h"
#include "tutorials/common/data.h"
#include "tutorials/common/evaluate.h"
#include "tutorials/common/image_grid.h"
#include "tutorials/common/likelihood_report.h"
#include "tutorials/common/options.h"
#include "tutorials/common/picks.h"
#include "tutorials/common/plot.h"
#include "tutorials/common/resume.h"
#include "tutorials/common/vae_latent.h"

using namespace aet;

// KL warm-up: β rises linearly from 0 to its final value over the first `warmup` epochs,
// so the decoder learns to use z before the KL term can pull every posterior onto the prior.
static float current_beta(float beta, int warmup, int epoch, int batch, int num_batches) {
  if (warmup == 0) return beta;
  const double progress = (epoch - 1 + double(batch) / num_batches) / warmup;
  return static_cast<float>(beta * std::min(1.0, progress));
}

int main(int argc, char** argv) {
  CommonOptions opt;
  opt.epochs = 10;
  opt.out = "out/04-variational-autoencoder";
  int latent = 20, warmup = 0;
  float beta = 1.0f;
  bool resume = false;
  LikelihoodOptions lik;  // --likelihood, --iwae-images
  const int hidden = 400, batch_size = 128;  // PyTorch's VAE example: 784-400-(Z,Z), Adam 1e-3
  const float lr = 1e-3f;
  Flags flags("Tutorial 4: train a variational autoencoder on Fashion-MNIST");
  add_common_flags(flags, opt);
  flags.add("--latent", latent, "code size Z", range(1, 784));
  flags.add("--beta", beta, "weight β of the KL term (1: the true ELBO)", range(0, 1000));
  flags.add("--warmup", warmup, "epochs over which β grows linearly from 0", range(0, 10000));
  flags.add_switch("--resume", resume, "continue from the checkpoint in --out");
  add_likelihood_flags(flags, lik);
  flags.parse(argc, argv);
  try {
    apply_common_flags(opt);
    TutorialData data = load_tutorial_data(opt);
    // References rather than `auto [dir, train, test]`: lambdas below use them, and clang
    // before 16 (Xcode 14 and older) cannot capture a structured binding.
    Dataset &train = data.train, &test = data.test;
    fmt::print("Fashion-MNIST: {} training and {} test images of {}x{} = {} pixels (from {})\n", train.size(),
               test.size(), train.height, train.width, train.dim(), data.dir);

    Rng rng(opt.seed);
    VAE vae(train.dim(), hidden, latent, rng);
    vae.likelihood = pixel_likelihood(lik);
    Adam adam(vae.parameters(), {.lr = lr});
    fmt::print("model: encoder {0}-{1}(ReLU)-(μ {2}, log σ² {2}) | decoder {3} | {4} parameters\n", train.dim(),
               hidden, latent, vae.decoder.describe(), vae.num_parameters());
    fmt::print("threads: {}, seed: {}, batch: {}, Adam lr {}, β {}, warm-up {} epochs\n\n", num_threads(), opt.seed,
               batch_size, lr, beta, warmup);

    const std::string state_path = training_state_path(opt);
    TrainingHistory history;
    const int start = first_epoch(resume, state_path, vae, adam, rng, history);

    BatchLoader loader(train, batch_size, /*shuffle=*/true, rng);
    Batch batch;
    fmt::print("{:>5} {:>5} {:>11} {:>11} {:>9} {:>11} {:>7}\n", "epoch", "β", "train total", "train recon",
               "train KL", "test total", "time");
    for (int epoch = start; epoch <= opt.epochs; ++epoch) {
      Timer timer;
      ProgressBar bar(loader.num_batches(), fmt::format("epoch {}/{}", epoch, opt.epochs));
      double recon_sum = 0, kl_sum = 0;
      int seen = 0;
      float b = beta;
      loader.start_epoch();
      while (loader.next(batch)) {
        b = current_beta(beta, warmup, epoch, batch.index, loader.num_batches());
        adam.zero_grad();
        VaeLoss loss = vae.loss(batch.x, rng, b);  // BCE + β·KL, nats per image
        check_finite(loss.recon, "reconstruction", epoch, batch.index);
        check_finite(loss.kl, "kl", epoch, batch.index);
        backward(loss.total);
        adam.step();
        recon_sum += double(loss.recon) * batch.x.rows();
        kl_sum += double(loss.kl) * batch.x.rows();
        seen += batch.x.rows();
        bar.update(batch.index + 1, (recon_sum + kl_sum) / seen, seen);
      }
      bar.finish();
      history.train_loss.push_back(static_cast<float>((recon_sum + kl_sum) / seen));
      // The test loss: the full negative ELBO (β = 1) with one ε per image, as PyTorch's
      // VAE example measures it; a fresh generator each epoch gives every epoch the same ε.
      Rng eps(opt.seed + 1);
      history.test_loss.push_back(static_cast<float>(
          mean_over_test(test, [&](const Batch& b) { return vae.loss(b.x, eps, 1.0f).total.item(); })));
      save_training_state(state_path, vae, adam, rng, epoch, history);
      fmt::print("{:>5} {:>5.2f} {:>11.2f} {:>11.2f} {:>9.2f} {:>11.2f} {:>6.1f}s\n", epoch, b,
                 history.train_loss.back(), recon_sum / seen, kl_sum / seen, history.test_loss.back(),
                 timer.seconds());
    }
    const std::string model_path = fmt::format("{}/vae_z{}.ckpt", opt.out, latent);
    save_parameters(model_path, vae.parameters());

    // Which latent dimensions carry information, and how much (nats per image; the sum
    // over the test set is in tutorials/common/vae_latent.cpp).
    std::vector<double> kl = kl_per_dimension(vae, test);
    std::sort(kl.rbegin(), kl.rend());
    const auto active = std::count_if(kl.begin(), kl.end(), [](double k) { return k > 0.1; });
    fmt::print("\nKL per latent dimension on the test set, largest first:");
    for (double k : kl) fmt::print(" {:.1f}", k);
    fmt::print("\nactive dimensions (KL > 0.1 nats): {} of {}\n", active, latent);
    fmt::print("final test loss {:.2f} nats per image (negative ELBO, one ε per image)\n\n", history.test_loss.back());
    report_log_likelihood(lik, opt.smoke, test, opt.seed,
                          [&](const Dataset& d, int k, Rng& r) { return vae.log_likelihood(d.images, k, r, vae.likelihood); });

    // Reconstructions: two test images of every class above decode(μ) of each.
    Dataset shown = subset(test, first_of_each_class(test, 2));
    const int h = test.height, w = test.width;
    write_comparison_grid(opt.out + "/reconstructions.png", shown.images, vae.reconstruct(shown.images), h, w, 3,
                          "original", fmt::format("VAE Z={}", latent));

    // Samples: z ~ N(0, I), the prior, decoded. No test image is involved.
    Rng sample_rng(opt.seed + 2);
    write_image_grid(opt.out + "/samples.png", vae.sample(100, sample_rng), h, w, 10);

    // Interpolation: from the μ of one test image to the μ of another, in 10 equal steps.
    write_interpolation(opt.out + "/interpolation.png", vae, test, {{1, 2}, {7, 9}, {0, 3}, {5, 8}, {4, 1}, {8, 9}});
    plot_history(opt.out + "/loss_curve.png", fmt::format("VAE 784-{}-({},{}) on Fashion-MNIST", hidden, latent, latent),
                 "negative ELBO, nats per image", history);

    if (latent == 2) {  // a 2-D code can be drawn directly: the decoder's map, and the codes
      write_manifold(opt.out + "/manifold.png", vae, h, w);
      plot_mean_codes(opt.out + "/latent_scatter.png", vae, test);
      fmt::print("wrote {0}/manifold.png, {0}/latent_scatter.png\n", opt.out);
    }
    fmt::print("wrote {0}/reconstructions.png, {0}/samples.png, {0}/interpolation.png, {0}/loss_curve.png, {1}\n",
               opt.out, model_path);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
