// Tutorial 5 — the conditional VAE: a generator you can tell which class to draw.
// Read README.md beside this file first; this program trains and measures what it describes.
#include <fmt/core.h>

#include <numeric>

#include "datasets/loader.h"
#include "models/cvae.h"
#include "nn/checkpoint.h"
#include "nn/losses.h"
#include "nn/progress.h"
#include "tutorials/common/cvae_pictures.h"
#include "tutorials/common/data.h"
#include "tutorials/common/evaluate.h"
#include "tutorials/common/image_grid.h"
#include "tutorials/common/judge.h"
#include "tutorials/common/likelihood_report.h"
#include "tutorials/common/options.h"
#include "tutorials/common/picks.h"
#include "tutorials/common/plot.h"
#include "tutorials/common/resume.h"

using namespace aet;

int main(int argc, char** argv) {
  CommonOptions opt;
  opt.epochs = 10;
  opt.out = "out/05-conditional-vae";
  int latent = 20, per_class = 1000, classifier_epochs = 5;  // the last two shrink in --smoke
  float beta = 1.0f, temperature = 0.5f;
  bool resume = false;
  LikelihoodOptions lik;  // --likelihood, --iwae-images
  Flags flags("Tutorial 5: a conditional VAE on Fashion-MNIST, and how well it obeys the class");
  add_common_flags(flags, opt);
  flags.add("--latent", latent, "latent size Z", range(1, 784));
  flags.add("--beta", beta, "weight β of the KL term", non_negative());
  flags.add("--temperature", temperature, "τ of the improved sampling, z ~ N(0, τ²I)", range(0, 10));
  flags.add_switch("--resume", resume, "continue from the checkpoint in --out");
  add_likelihood_flags(flags, lik);
  flags.parse(argc, argv);
  try {
    apply_common_flags(opt);
    TutorialData data = load_tutorial_data(opt);
    Dataset &train = data.train, &test = data.test;  // not `auto [..]`: clang < 16 cannot capture those
    if (opt.smoke) classifier_epochs = 1, per_class = 50;
    const int C = train.num_classes;
    const auto& names = train.class_names;
    fmt::print("Fashion-MNIST: {} training and {} test images, C = {} classes (from {})\n", train.size(), test.size(),
               C, data.dir);

    Rng rng(opt.seed);
    CVAE cvae(train.dim(), C, 400, latent, rng);
    cvae.likelihood = pixel_likelihood(lik);
    Adam adam(cvae.parameters(), {.lr = 1e-3f});
    fmt::print("model: encoder [x, y] {}+{} -> 400 -> (μ, log σ²) {} each | decoder [z, y] {} | {} parameters\n",
               train.dim(), C, latent, cvae.decoder.describe(), cvae.num_parameters());
    fmt::print("threads: {}, seed: {}, batch: 128, Adam lr 0.001, β = {}\n\n", num_threads(), opt.seed, beta);

    const std::string state_path = training_state_path(opt);
    TrainingHistory history;
    const int start = first_epoch(resume, state_path, cvae, adam, rng, history);

    BatchLoader loader(train, 128, /*shuffle=*/true, rng);
    Batch batch;
    fmt::print("{:>5} {:>12} {:>10} {:>8} {:>12} {:>7}\n", "epoch", "train total", "recon", "KL", "test total", "time");
    for (int epoch = start; epoch <= opt.epochs; ++epoch) {
      Timer timer;
      ProgressBar bar(loader.num_batches(), fmt::format("epoch {}/{}", epoch, opt.epochs));
      double recon = 0, kl = 0;
      int seen = 0;
      loader.start_epoch();
      while (loader.next(batch)) {
        adam.zero_grad();
        // The VAE's loss; the class enters as a one-hot y in [x, y] and in [z, y].
        VaeLoss loss = cvae.loss(batch.x, one_hot(batch.y, C), rng, beta);
        check_finite(loss.total.item(), "total", epoch, batch.index);
        backward(loss.total);
        adam.step();
        const int n = batch.x.rows();
        recon += double(loss.recon) * n, kl += double(loss.kl) * n, seen += n;
        bar.update(batch.index + 1, (recon + kl) / seen, seen);
      }
      bar.finish();
      // "total" is BCE + KL, the negative ELBO whatever β is, so it compares with the test column.
      history.train_loss.push_back(static_cast<float>((recon + kl) / seen));
      Rng noise(0);  // test negative ELBO (β = 1): the same ε every epoch, training Rng untouched
      history.test_loss.push_back(static_cast<float>(mean_over_test(
          test, [&](const Batch& b) { return cvae.loss(b.x, one_hot(b.y, C), noise).total.item(); })));
      save_training_state(state_path, cvae, adam, rng, epoch, history);
      fmt::print("{:>5} {:>12.2f} {:>10.2f} {:>8.2f} {:>12.2f} {:>6.1f}s\n", epoch, (recon + kl) / seen, recon / seen,
                 kl / seen, history.test_loss.back(), timer.seconds());
    }
    const std::string model_path = fmt::format("{}/cvae_z{}.ckpt", opt.out, latent);
    save_parameters(model_path, cvae.parameters());

    // Pictures. (1) Ten samples of every class, one labelled row per class, drawn from the
    // prior (τ = 1) and with the improved sampling (τ = --temperature).
    Rng sample_rng(opt.seed + 1);
    write_image_grid(opt.out + "/samples_by_class.png", generate(cvae, each_class(C, 10), 1.0f, sample_rng), 28, 28,
                     10, 3, names);
    const std::string tuned_png = fmt::format("{}/samples_by_class_tau{}.png", opt.out, temperature);
    write_image_grid(tuned_png, generate(cvae, each_class(C, 10), temperature, sample_rng), 28, 28, 10, 3, names);

    // (2) Style transfer: 8 codes z ~ N(0, τ²I), one per column, each decoded under every
    // class. Along a column only y changes, so what stays (shade, width) is what z holds.
    write_style_transfer(opt.out + "/style_transfer.png", cvae, 8, temperature, sample_rng, names);

    // (3) Reconstructions of two test images per class, (4) the loss curve.
    Dataset shown = take_per_class(test, 2, sample_rng);
    write_comparison_grid(opt.out + "/reconstructions.png", shown.images,
                          cvae.reconstruct(shown.images, one_hot(shown.labels, C)), 28, 28, 3, "original",
                          fmt::format("Z={}", latent));
    plot_history(opt.out + "/loss_curve.png", fmt::format("Conditional VAE, Z={}, beta={} on Fashion-MNIST", latent, beta),
                 "negative ELBO, nats per image", history);
    fmt::print("\nfinal test loss {0:.2f} nats per image (negative ELBO, one ε per image), seed {1}\n"
               "wrote {2}/samples_by_class.png, {3}, {2}/style_transfer.png, {2}/reconstructions.png, "
               "{2}/loss_curve.png, {4}\n\n",
               history.test_loss.back(), opt.seed, opt.out, tuned_png, model_path);
    report_log_likelihood(lik, opt.smoke, test, opt.seed, [&](const Dataset& d, int k, Rng& r) {
      return cvae.log_likelihood(d.images, one_hot(d.labels, C), k, r, cvae.likelihood); });

    // Class control: does a classifier trained on real images see the class we asked for?
    Rng judge_rng(opt.seed + 2);
    MLP classifier = train_judge(train, classifier_epochs, judge_rng);
    const float real_all = [&] { NoGrad no_grad; return accuracy(classifier(test.images), test.labels); }();
    fmt::print("classifier {}: test accuracy {:.3f} on the {} real test images\n\n", classifier.describe(), real_all,
               test.size());
    std::vector<float> real = accuracy_by_class(classifier, test.images, test.labels, C);

    // Plain sampling (τ = 1) and the improved sampling (τ = --temperature), with the same ε.
    const std::vector<int> asked = each_class(C, per_class);
    auto control = [&](float tau) {
      Rng eps(opt.seed + 3);
      return accuracy_by_class(classifier, generate(cvae, asked, tau, eps), asked, C);
    };
    std::vector<float> plain = control(1.0f), tuned = control(temperature);
    auto mean = [](const std::vector<float>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); };
    fmt::print("share of {} generated images per class classified as the requested class\n", per_class);
    fmt::print("{:<12} {:>12} {:>12} {:>12}\n", "class", "real images", "tau = 1", fmt::format("tau = {}", temperature));
    for (int k = 0; k < C; ++k)
      fmt::print("{:<12} {:>12.3f} {:>12.3f} {:>12.3f}\n", names[k], real[k], plain[k], tuned[k]);
    fmt::print("{:<12} {:>12.3f} {:>12.3f} {:>12.3f}\n", "overall", real_all, mean(plain), mean(tuned));
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
