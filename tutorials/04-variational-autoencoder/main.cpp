// Tutorial 4 — the variational autoencoder: a latent space you can sample new images from.
// Read README.md beside this file first; this program trains what it describes.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "datasets/fashion_mnist.h"
#include "datasets/loader.h"
#include "models/vae.h"
#include "nn/checkpoint.h"
#include "nn/progress.h"
#include "nn/training_state.h"
#include "tutorials/common/image_grid.h"
#include "tutorials/common/data.h"
#include "tutorials/common/options.h"
#include "tutorials/common/plot.h"

using namespace aet;

// The test loss: the full negative ELBO (β = 1) in nats per image, with one ε per image as
// PyTorch's VAE example measures it. A fresh generator each call gives every epoch the same ε.
static double test_elbo(const VAE& vae, const Dataset& test, uint64_t seed) {
  NoGrad no_grad;
  Rng eps_rng(seed), unused(0);
  BatchLoader loader(test, 1000, /*shuffle=*/false, unused);
  Batch b;
  double total = 0;
  while (loader.next(b)) total += double(vae.loss(b.x, eps_rng, 1.0f).total.item()) * b.x.rows();
  return total / test.size();
}

// KL warm-up: β rises linearly from 0 to its final value over the first `warmup` epochs,
// so the decoder learns to use z before the KL term can pull every posterior onto the prior.
static float current_beta(float beta, int warmup, int epoch, int batch, int num_batches) {
  if (warmup == 0) return beta;
  const double progress = (epoch - 1 + double(batch) / num_batches) / warmup;
  return static_cast<float>(beta * std::min(1.0, progress));
}

// The KL of each latent dimension, averaged over the test set. A dimension with KL ≈ 0
// has collapsed onto the prior: its μ ≈ 0 and σ ≈ 1 whatever the image, so it carries nothing.
static std::vector<double> kl_per_dimension(const VAE& vae, const Dataset& test) {
  NoGrad no_grad;
  auto [mu, logvar] = vae.encode(test.images);
  std::vector<double> kl(mu.cols(), 0.0);
  for (int n = 0; n < mu.rows(); ++n)
    for (int j = 0; j < mu.cols(); ++j) {
      const double m = mu.at(n, j), lv = logvar.at(n, j);
      kl[j] += -0.5 * (1 + lv - m * m - std::exp(lv)) / mu.rows();
    }
  return kl;
}

// Φ⁻¹(p), the standard normal quantile, by bisection on Φ(x) = ½ erfc(−x/√2).
static float normal_quantile(double p) {
  double lo = -10, hi = 10;
  for (int i = 0; i < 100; ++i) {
    const double mid = (lo + hi) / 2;
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
  }
  return static_cast<float>(lo);
}

// μ of every row of x, and the decoded images of codes given row by row: with the tape off.
static Tensor mean_codes(const VAE& vae, const Tensor& x) {
  NoGrad no_grad;
  return vae.encode(x).mu;
}
static Tensor decode(const VAE& vae, std::vector<float> z) {
  NoGrad no_grad;
  const int n = static_cast<int>(z.size()) / vae.latent_dim();
  return vae.decode(Tensor::from({n, vae.latent_dim()}, std::move(z)));
}

int main(int argc, char** argv) {
  CommonOptions opt;
  opt.epochs = 10;
  opt.out = "out/04-variational-autoencoder";
  int latent = 20, warmup = 0;
  float beta = 1.0f;
  bool resume = false;
  const int hidden = 400, batch_size = 128;  // PyTorch's VAE example: 784-400-(Z,Z), Adam 1e-3
  const float lr = 1e-3f;
  Flags flags("Tutorial 4: train a variational autoencoder on Fashion-MNIST");
  add_common_flags(flags, opt);
  flags.add("--latent", latent, "code size Z", range(1, 784));
  flags.add("--beta", beta, "weight β of the KL term (1: the true ELBO)", range(0, 1000));
  flags.add("--warmup", warmup, "epochs over which β grows linearly from 0", range(0, 10000));
  flags.add_switch("--resume", resume, "continue from the checkpoint in --out");
  flags.parse(argc, argv);
  try {
    apply_common_flags(opt);
    TutorialData data = load_tutorial_data(opt);
    // References rather than `auto [dir, train, test]`: lambdas below use them, and clang
    // before 16 (Xcode 14 and older) cannot capture a structured binding.
    const std::string& dir = data.dir;
    Dataset &train = data.train, &test = data.test;
    fmt::print("Fashion-MNIST: {} training and {} test images of {}x{} = {} pixels (from {})\n", train.size(),
               test.size(), train.height, train.width, train.dim(), dir);

    Rng rng(opt.seed);
    VAE vae(train.dim(), hidden, latent, rng);
    Adam adam(vae.parameters(), {.lr = lr});
    fmt::print("model: encoder {0}-{1}(ReLU)-(μ {2}, log σ² {2}) | decoder {3} | {4} parameters\n", train.dim(),
               hidden, latent, vae.decoder.describe(), vae.num_parameters());
    fmt::print("threads: {}, seed: {}, batch: {}, Adam lr {}, β {}, warm-up {} epochs\n\n", num_threads(), opt.seed,
               batch_size, lr, beta, warmup);

    const std::string state_path = opt.out + "/training_state.ckpt";
    TrainingHistory history;
    int first_epoch = 1;
    if (resume) {
      first_epoch = load_training_state(state_path, vae, adam, rng, &history) + 1;
      fmt::print("resumed from {} after epoch {}\n", state_path, first_epoch - 1);
    }

    BatchLoader loader(train, batch_size, /*shuffle=*/true, rng);
    Batch batch;
    fmt::print("{:>5} {:>5} {:>11} {:>11} {:>9} {:>11} {:>7}\n", "epoch", "β", "train total", "train recon",
               "train KL", "test total", "time");
    for (int epoch = first_epoch; epoch <= opt.epochs; ++epoch) {
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
      history.test_loss.push_back(static_cast<float>(test_elbo(vae, test, opt.seed + 1)));
      save_training_state(state_path, vae, adam, rng, epoch, history);
      fmt::print("{:>5} {:>5.2f} {:>11.2f} {:>11.2f} {:>9.2f} {:>11.2f} {:>6.1f}s\n", epoch, b,
                 history.train_loss.back(), recon_sum / seen, kl_sum / seen, history.test_loss.back(),
                 timer.seconds());
    }
    const std::string model_path = fmt::format("{}/vae_z{}.ckpt", opt.out, latent);
    save_parameters(model_path, vae.parameters());

    // Which latent dimensions carry information, and how much (nats per image).
    std::vector<double> kl = kl_per_dimension(vae, test);
    std::sort(kl.rbegin(), kl.rend());
    const auto active = std::count_if(kl.begin(), kl.end(), [](double k) { return k > 0.1; });
    fmt::print("\nKL per latent dimension on the test set, largest first:");
    for (double k : kl) fmt::print(" {:.1f}", k);
    fmt::print("\nactive dimensions (KL > 0.1 nats): {} of {}\n", active, latent);
    fmt::print("final test loss {:.2f} nats per image (negative ELBO, one ε per image)\n\n", history.test_loss.back());

    // Reconstructions: two test images of every class above decode(μ) of each.
    std::vector<int> picks;
    for (int c = 0; c < test.num_classes; ++c)
      for (int i = 0, found = 0; i < test.size() && found < 2; ++i)
        if (test.labels[i] == c) picks.push_back(i), ++found;
    Dataset shown = subset(test, picks);
    const int h = test.height, w = test.width;
    write_comparison_grid(opt.out + "/reconstructions.png", shown.images, vae.reconstruct(shown.images), h, w, 3,
                          "original", fmt::format("VAE Z={}", latent));

    // Samples: z ~ N(0, I), the prior, decoded. No test image is involved.
    Rng sample_rng(opt.seed + 2);
    write_image_grid(opt.out + "/samples.png", vae.sample(100, sample_rng), h, w, 10);

    // Interpolation: from the μ of one test image to the μ of another, in 10 equal steps,
    // with the two originals at the ends of each row.
    const std::vector<std::pair<int, int>> pairs = {{1, 2}, {7, 9}, {0, 3}, {5, 8}, {4, 1}, {8, 9}};
    const int steps = 10, D = test.dim();
    std::vector<float> cells;
    std::vector<std::string> row_labels;
    for (const auto& [ca, cb] : pairs) {
      const auto first_of = [&](int c) { return int(std::find(test.labels.begin(), test.labels.end(), c) - test.labels.begin()); };
      Tensor ends = subset(test, std::vector<int>{first_of(ca), first_of(cb)}).images;
      Tensor mu = mean_codes(vae, ends);
      std::vector<float> z;
      for (int i = 0; i < steps; ++i) {
        const float t = float(i) / (steps - 1);  // z = (1 − t)·μ_a + t·μ_b
        for (int j = 0; j < latent; ++j) z.push_back((1 - t) * mu.at(0, j) + t * mu.at(1, j));
      }
      Tensor line = decode(vae, z);
      cells.insert(cells.end(), ends.data(), ends.data() + D);
      cells.insert(cells.end(), line.data(), line.data() + line.size());
      cells.insert(cells.end(), ends.data() + D, ends.data() + 2 * D);
      row_labels.push_back(test.class_names[ca] + " > " + test.class_names[cb]);
    }
    write_image_grid(opt.out + "/interpolation.png", Tensor::from({int(pairs.size()) * (steps + 2), D}, cells), h, w,
                     steps + 2, 2, row_labels);

    std::vector<double> tr(history.train_loss.begin(), history.train_loss.end());
    std::vector<double> te(history.test_loss.begin(), history.test_loss.end());
    plot_lines(opt.out + "/loss_curve.png", fmt::format("VAE 784-{}-({},{}) on Fashion-MNIST", hidden, latent, latent),
               "epoch", "negative ELBO, nats per image", {"train", "test"}, {tr, te});

    if (latent == 2) {
      // The manifold (Kingma & Welling, Fig. 4): a 20×20 grid of the latent plane at the
      // prior's quantiles, so every cell covers an equal share of N(0, I). z₂ grows upwards.
      const int g = 20;
      std::vector<float> z;
      for (int r = 0; r < g; ++r)
        for (int c = 0; c < g; ++c)
          z.insert(z.end(), {normal_quantile((c + 0.5) / g), normal_quantile((g - r - 0.5) / g)});
      write_image_grid(opt.out + "/manifold.png", decode(vae, z), h, w, g, 2);
      Tensor mu = mean_codes(vae, test.images);
      plot_scatter_by_class(opt.out + "/latent_scatter.png", "VAE Z=2: mean code μ of every test image", mu,
                            test.labels, test.class_names, "μ1", "μ2");
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
