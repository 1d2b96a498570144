// Tutorial 1 — what an autoencoder is: compress 784 pixels to Z numbers and back.
// Read README.md beside this file first; this program trains what it describes.
#include <fmt/core.h>

#include <cmath>
#include <filesystem>

#include "datasets/fashion_mnist.h"
#include "datasets/loader.h"
#include "models/autoencoder.h"
#include "nn/checkpoint.h"
#include "nn/progress.h"
#include "nn/training_state.h"
#include "tutorials/common/data.h"
#include "tutorials/common/evaluate.h"
#include "tutorials/common/image_grid.h"
#include "tutorials/common/options.h"
#include "tutorials/common/picks.h"
#include "tutorials/common/plot.h"
#include "tutorials/common/resume.h"

using namespace aet;

int main(int argc, char** argv) {
  CommonOptions opt;
  opt.epochs = 5;
  opt.out = "out/01-what-is-an-autoencoder";
  int latent = 10, batch_size = 128;
  float lr = 1e-3f;
  bool resume = false;
  Flags flags("Tutorial 1: train an autoencoder on Fashion-MNIST");
  add_common_flags(flags, opt);
  flags.add("--latent", latent, "code size Z", range(1, 784));
  flags.add("--batch", batch_size, "batch size N", range(1, 60000));
  flags.add("--lr", lr, "Adam learning rate", positive());
  flags.add_switch("--resume", resume, "continue from the checkpoint in --out");
  flags.parse(argc, argv);
  try {
    apply_common_flags(opt);
    auto [dir, train, test] = load_tutorial_data(opt);
    fmt::print("Fashion-MNIST: {} training and {} test images of {}x{} = {} pixels (from {})\n", train.size(),
               test.size(), train.height, train.width, train.dim(), dir);

    Rng rng(opt.seed);
    Autoencoder ae(train.dim(), {512, 256}, latent, rng);
    Adam adam(ae.parameters(), {.lr = lr});
    fmt::print("model: encoder {} | decoder {} | {} parameters\n", ae.encoder.describe(), ae.decoder.describe(),
               ae.num_parameters());
    fmt::print("compression: {} floats -> {} floats, {:.1f}x smaller\n", train.dim(), latent,
               double(train.dim()) / latent);
    fmt::print("threads: {}, seed: {}, batch: {}, Adam lr {}\n\n", num_threads(), opt.seed, batch_size, lr);

    const std::string state_path = training_state_path(opt);
    TrainingHistory history;
    const int start = first_epoch(resume, state_path, ae, adam, rng, history);

    BatchLoader loader(train, batch_size, /*shuffle=*/true, rng);
    Batch batch;
    fmt::print("{:>5} {:>12} {:>12} {:>8}\n", "epoch", "train MSE", "test MSE", "time");
    for (int epoch = start; epoch <= opt.epochs; ++epoch) {
      Timer timer;
      ProgressBar bar(loader.num_batches(), fmt::format("epoch {}/{}", epoch, opt.epochs));
      double sum = 0;
      int seen = 0;
      loader.start_epoch();
      while (loader.next(batch)) {
        adam.zero_grad();
        Tensor loss = ae.loss(batch.x);  // mean over pixels of (x̂ − x)²
        check_finite(loss.item(), "reconstruction (MSE)", epoch, batch.index);
        backward(loss);
        adam.step();
        sum += double(loss.item()) * batch.x.rows();
        seen += batch.x.rows();
        bar.update(batch.index + 1, sum / seen, seen);
      }
      bar.finish();
      history.train_loss.push_back(static_cast<float>(sum / seen));
      history.test_loss.push_back(static_cast<float>(
          mean_over_test(test, [&](const Batch& b) { return ae.loss(b.x).item(); })));  // tape off
      save_training_state(state_path, ae, adam, rng, epoch, history);
      fmt::print("{:>5} {:>12.5f} {:>12.5f} {:>7.1f}s\n", epoch, history.train_loss.back(), history.test_loss.back(),
                 timer.seconds());
    }

    // The encoder's weights, for tutorials 2 and 3.
    const std::string model_path = fmt::format("{}/autoencoder_z{}.ckpt", opt.out, latent);
    save_parameters(model_path, ae.parameters());

    // Pictures: two test images of every class, originals above reconstructions.
    Dataset shown = subset(test, first_of_each_class(test, 2));
    Tensor recon;
    {
      NoGrad no_grad;
      recon = ae.forward(shown.images);
    }
    write_comparison_grid(opt.out + "/reconstructions.png", shown.images, recon, test.height, test.width, 3,
                          "original", fmt::format("Z={}", latent));
    plot_history(opt.out + "/loss_curve.png", fmt::format("Autoencoder 784-512-256-{} on Fashion-MNIST", latent),
                 "MSE per pixel", history);
    fmt::print("\nfinal test MSE {:.5f} per pixel (RMSE {:.3f} on a 0..1 scale)\n", history.test_loss.back(),
               std::sqrt(history.test_loss.back()));
    fmt::print("wrote {0}/reconstructions.png, {0}/loss_curve.png, {1}\n", opt.out, model_path);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
