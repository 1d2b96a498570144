// Tutorial 6 — convolutional autoencoders: the AE, VAE and CVAE of tutorials 1, 4 and 5 with
// their dense halves replaced by convolutions, trained and measured beside the MLP originals.
// Read README.md beside this file first; this program trains and measures what it describes.
#include <fmt/core.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "datasets/loader.h"
#include "models/autoencoder.h"
#include "models/conv_autoencoder.h"
#include "models/conv_cvae.h"
#include "models/conv_vae.h"
#include "models/cvae.h"
#include "models/vae.h"
#include "tutorials/common/contenders.h"
#include "tutorials/common/data.h"
#include "tutorials/common/image_grid.h"
#include "tutorials/common/judge.h"
#include "tutorials/common/options.h"
#include "tutorials/common/picks.h"

using namespace aet;

// The rows of a and b, a first: for pictures with one row of images per model.
static Tensor stack(const Tensor& a, const Tensor& b) {
  Tensor out = Tensor::empty({a.rows() + b.rows(), a.cols()});
  std::copy_n(a.data(), a.size(), out.data());
  std::copy_n(b.data(), b.size(), out.data() + a.size());
  return out;
}

// --models "ae,cvae" -> which of the three pairs to train: {ae, vae, cvae}.
static std::vector<bool> parse_families(const std::string& list) {
  const std::vector<std::string> known = {"ae", "vae", "cvae"};
  std::vector<bool> wanted(known.size(), false);
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string name = list.substr(start, comma - start);
    const auto it = std::find(known.begin(), known.end(), name);
    if (it == known.end())
      throw std::invalid_argument(fmt::format("--models: unknown pair '{}' in '{}'; use a comma list of ae, vae, cvae",
                                              name, list));
    wanted[it - known.begin()] = true;
    start = comma + 1;
  }
  return wanted;
}

int main(int argc, char** argv) {
  CommonOptions opt;
  opt.epochs = 2;
  opt.out = "out/06-convolutional-autoencoders";
  int train_size = 6000, test_size = 2000, per_class = 200, judge_epochs = 5;
  float temperature = 0.5f, cvae_beta = 1.0f;
  std::string families = "ae,vae,cvae";
  ConvAutoencoderOptions conv_ae_options;
  Flags flags("Tutorial 6: convolutional AE, VAE and CVAE beside the MLP models of tutorials 1, 4 and 5");
  add_common_flags(flags, opt);
  flags.add("--train-size", train_size, "training images every model sees (60000: all)", range(128, 60000));
  flags.add("--test-size", test_size, "test images every model is measured on (10000: all)", range(100, 10000));
  flags.add("--per-class", per_class, "generated images per class for the class-control figures", range(1, 10000));
  flags.add("--judge-epochs", judge_epochs, "epochs of the classifier that judges the samples", range(1, 100));
  flags.add("--temperature", temperature, "the lower τ of the sampling, z ~ N(0, τ²I)", range(0, 10));
  flags.add("--cvae-beta", cvae_beta, "weight β of the KL term while the two CVAEs train (test nats: β = 1)",
            non_negative());
  flags.add("--conv-ae-hidden", conv_ae_options.hidden,
            "a dense ReLU layer of this width on each side of the conv AE's z (0: Keras's recipe)", range(0, 4096));
  flags.add_switch("--conv-ae-refine", conv_ae_options.refine,
            "a stride-1 conv 64->64 after the conv AE's first transposed conv");
  flags.add("--models", families, "which pairs (MLP and conv) to train and measure: a comma list of ae, vae, cvae");
  flags.parse(argc, argv);
  try {
    apply_common_flags(opt);
    const std::vector<bool> family = parse_families(families);
    TutorialData data = load_tutorial_data(opt);
    if (opt.smoke) judge_epochs = 1, per_class = 20;
    Dataset train = first_n(data.train, std::min(train_size, data.train.size()));
    Dataset test = first_n(data.test, std::min(test_size, data.test.size()));
    const int C = train.num_classes, S = train.height, D = train.dim();
    if (train.width != S) throw std::invalid_argument(fmt::format("tutorial 6 needs square images, got {}x{}", S, train.width));
    fmt::print("Fashion-MNIST: the first {} training and {} test images (from {}); every model sees the same\n",
               train.size(), test.size(), data.dir);
    fmt::print("threads: {}, seed: {}, batch 128, Adam lr 0.001, {} epochs each\n\n", num_threads(), opt.seed, opt.epochs);

    // The six models: tutorial 1's AE (Z = 10), 4's VAE and 5's CVAE (Z = 20), and their conv twins.
    Rng rng(opt.seed);
    Autoencoder ae(D, {512, 256}, 10, rng);
    VAE vae(D, 400, 20, rng);
    CVAE cvae(D, C, 400, 20, rng);
    ConvAutoencoder conv_ae(S, 10, rng, conv_ae_options);
    ConvVAE conv_vae(S, 20, rng);
    ConvCVAE conv_cvae(S, C, 20, rng);

    auto y_of = [C](const std::vector<int>& labels) { return one_hot(labels, C); };
    std::vector<Contender> models = {
        {.name = "MLP AE (t1)", .model = &ae,
         .loss = [&](const Batch& b, Rng&) { return ae.loss(b.x); },  // MSE, tutorial 1's recipe
         .reconstruct = [&](const Tensor& x, const std::vector<int>&) { return ae.forward(x); },
         .codes = [&](const Tensor& x) { return ae.encode(x); }},
        {.name = "conv AE", .model = &conv_ae,
         .loss = [&](const Batch& b, Rng&) { return conv_ae.loss(b.x); },  // BCE: see conv_autoencoder.h
         .reconstruct = [&](const Tensor& x, const std::vector<int>&) { return conv_ae.forward(x); },
         .codes = [&](const Tensor& x) { return conv_ae.encode(x); }},
        {.name = "MLP VAE (t4)", .model = &vae,
         .loss = [&](const Batch& b, Rng& r) { return vae.loss(b.x, r).total; },
         .reconstruct = [&](const Tensor& x, const std::vector<int>&) { return vae.reconstruct(x); },
         .test_nats = [&](const Batch& b, Rng& r) { return vae.loss(b.x, r).total.item(); }},
        {.name = "conv VAE", .model = &conv_vae,
         .loss = [&](const Batch& b, Rng& r) { return conv_vae.loss(b.x, r).total; },
         .reconstruct = [&](const Tensor& x, const std::vector<int>&) { return conv_vae.reconstruct(x); },
         .test_nats = [&](const Batch& b, Rng& r) { return conv_vae.loss(b.x, r).total.item(); }},
        {.name = "MLP CVAE (t5)", .model = &cvae,
         .loss = [&](const Batch& b, Rng& r) { return cvae.loss(b.x, y_of(b.y), r, cvae_beta).total; },
         .reconstruct = [&](const Tensor& x, const std::vector<int>& y) { return cvae.reconstruct(x, y_of(y)); },
         .test_nats = [&](const Batch& b, Rng& r) { return cvae.loss(b.x, y_of(b.y), r).total.item(); },
         .generate = [&](const std::vector<int>& y, float tau, Rng& r) {
           return cvae.decode(Tensor::randn({int(y.size()), 20}, r, tau), y_of(y)); }},
        {.name = "conv CVAE", .model = &conv_cvae,
         .loss = [&](const Batch& b, Rng& r) { return conv_cvae.loss(b.x, y_of(b.y), r, cvae_beta).total; },
         .reconstruct = [&](const Tensor& x, const std::vector<int>& y) { return conv_cvae.reconstruct(x, y_of(y)); },
         .test_nats = [&](const Batch& b, Rng& r) { return conv_cvae.loss(b.x, y_of(b.y), r).total.item(); },
         .generate = [&](const std::vector<int>& y, float tau, Rng& r) {
           return conv_cvae.decode(Tensor::randn({int(y.size()), 20}, r, tau), y_of(y)); }},
    };
    for (const Contender& c : models)
      fmt::print("  {:<14} {:>8} parameters\n", c.name, c.model->num_parameters());
    fmt::print("conv layers: {} | {} | {} | {} | {}\n\n", conv_vae.encoder.conv1.describe(),
               conv_vae.encoder.conv2.describe(), conv_vae.decoder.up1.describe(), conv_vae.decoder.up2.describe(),
               conv_vae.decoder.out.describe());
    if (conv_ae_options.hidden > 0 || conv_ae_options.refine)
      fmt::print("conv AE beyond Keras's recipe:{}{}\n\n",
                 conv_ae_options.hidden > 0 ? fmt::format(" a dense ReLU layer of {} on each side of z;",
                                                          conv_ae_options.hidden) : "",
                 conv_ae_options.refine ? fmt::format(" {}, ReLU after the first transposed conv;",
                                                      conv_ae.dec_refine.describe()) : "");

    // Only the pairs --models asks for (rows 2i and 2i+1: MLP, then conv); the others were
    // still built above, so every model starts from the same weights whatever is chosen.
    // (The --conv-ae-* options draw more from rng, so the conv VAE and CVAE then start elsewhere.)
    auto wanted = [&](size_t i) { return bool(family[i / 2]); };

    // Train each model on the same images, each from its own Rng so the order does not matter.
    std::vector<double> seconds(models.size(), 0.0);
    for (size_t i = 0; i < models.size(); ++i) {
      if (!wanted(i)) continue;
      Rng train_rng(opt.seed + 10 + i);
      seconds[i] = train_contender(models[i], train, opt.epochs, train_rng);
      fmt::print("trained {:<14} {:.1f}s per epoch\n", models[i].name, seconds[i]);
    }

    // The judge of tutorial 5: an MLP classifier trained on every real training image.
    Rng judge_rng(opt.seed + 2);
    MLP judge = train_judge(data.train, judge_epochs, judge_rng);
    const float judge_acc = [&] { NoGrad no_grad; return accuracy(judge(test.images), test.labels); }();
    fmt::print("judge {}: accuracy {:.3f} on the {} real test images\n\n", judge.describe(), judge_acc, test.size());

    std::vector<ContenderScore> scores;
    for (size_t i = 0; i < models.size(); ++i) {
      if (!wanted(i)) continue;
      scores.push_back(score_contender(models[i], test, judge, per_class, temperature, opt.seed));
      scores.back().seconds_per_epoch = seconds[i];
    }
    fmt::print("{}\n", contender_table(scores, temperature, train.size()));

    // Pictures. (1) Two test images per class, then each model's reconstruction of them.
    NoGrad no_grad;
    Dataset shown = subset(test, first_of_each_class(test, 2));
    Tensor grid = shown.images;
    std::vector<std::string> rows = {"original"};
    for (int i : {0, 1, 2, 3}) {
      if (!wanted(i)) continue;
      grid = stack(grid, models[i].reconstruct(shown.images, shown.labels));
      rows.push_back(models[i].name.substr(0, models[i].name.find(" (")));
    }
    if (rows.size() > 1) write_image_grid(opt.out + "/reconstructions.png", grid, S, S, shown.size(), 3, rows);
    // (2) Ten samples per class at τ = 1 (the prior) from each CVAE, one labelled row per class.
    for (int i : {4, 5}) {
      if (!wanted(i)) continue;
      Rng sample_rng(opt.seed + 1);
      const std::string png = fmt::format("{}/samples_{}.png", opt.out, i == 4 ? "mlp_cvae" : "conv_cvae");
      write_image_grid(png, models[i].generate(each_class(C, 10), 1.0f, sample_rng), S, S, 10, 3, train.class_names);
    }
    // (3) The 32 filters of the conv AE's first layer, each 3x3, black = most negative weight.
    if (wanted(1)) write_image_grid(opt.out + "/filters.png", filters_as_images(conv_ae.enc_conv1.W), 3, 3, 8, 16);
    fmt::print("wrote {}{}{} in {}\n", rows.size() > 1 ? "reconstructions.png " : "",
               wanted(4) ? "samples_mlp_cvae.png samples_conv_cvae.png " : "", wanted(1) ? "filters.png" : "", opt.out);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
