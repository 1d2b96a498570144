// Tutorial 3 — transfer learning: reuse the autoencoder's encoder when labels are few.
// Read README.md beside this file first; this program measures what it describes.
#include <fmt/core.h>

#include <filesystem>

#include "datasets/loader.h"
#include "models/autoencoder.h"
#include "nn/checkpoint.h"
#include "nn/losses.h"
#include "nn/optim.h"
#include "nn/progress.h"
#include "tutorials/common/data.h"
#include "tutorials/common/options.h"
#include "tutorials/common/train_autoencoder.h"

using namespace aet;

// A classifier = an encoder (784 -> ... -> Z) followed by a head (Z -> ... -> 10).
struct Classifier : Module {
  MLP encoder, head;
  Tensor operator()(const Tensor& x) const { return head(encoder(x)); }
  ParamList parameters() const override {
    return join({prefixed("encoder", encoder.parameters()), prefixed("head", head.parameters())});
  }
};

// The training loop every row of the table uses: Adam on softmax cross-entropy.
static void train_classifier(Classifier& net, const Dataset& data, int epochs, float lr, Rng& rng, const std::string& label) {
  ParamList trainable;
  for (auto& p : net.parameters())
    if (p.tensor.requires_grad()) trainable.push_back(p);
  Adam adam(trainable, {.lr = lr});
  BatchLoader loader(data, 64, /*shuffle=*/true, rng);
  Batch batch;
  ProgressBar bar(epochs * loader.num_batches(), fmt::format("{}, {} epochs", label, epochs));
  int done = 0, seen = 0;
  double recent = 0;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    loader.start_epoch();
    while (loader.next(batch)) {
      adam.zero_grad();
      Tensor loss = cross_entropy_loss(net(batch.x), batch.y);
      check_finite(loss.item(), "cross-entropy", epoch, batch.index);
      backward(loss);
      adam.step();
      recent = done == 0 ? loss.item() : 0.9 * recent + 0.1 * loss.item();  // running average for the bar
      seen += batch.x.rows();
      bar.update(++done, recent, seen);
    }
  }
  bar.finish();
}

static float test_accuracy(const Classifier& net, const Dataset& test) {
  NoGrad no_grad;
  return accuracy(net(test.images), test.labels);
}

int main(int argc, char** argv) {
  CommonOptions opt;
  opt.epochs = 5;  // for the autoencoder, only if it has to be trained here
  opt.out = "out/03-transfer-learning";
  int per_class = 100, head_epochs = 60, full_epochs = 5, latent = 10;
  std::string encoder_path = "out/01-what-is-an-autoencoder/autoencoder_z10.ckpt";
  Flags flags("Tutorial 3: transfer learning with the autoencoder's encoder");
  add_common_flags(flags, opt);
  flags.add("--encoder", encoder_path, "autoencoder checkpoint from tutorial 1");
  flags.add("--latent", latent, "code size Z of that autoencoder", range(1, 784));
  flags.add("--per-class", per_class, "labelled training images per class", range(1, 6000));
  flags.add("--head-epochs", head_epochs, "epochs on the small labelled set", range(1, 10000));
  flags.add("--full-epochs", full_epochs, "epochs of the full-data ceiling", range(1, 1000));
  flags.parse(argc, argv);
  try {
    apply_common_flags(opt);
    auto [dir, train, test] = load_tutorial_data(opt, 2000, 500);
    if (opt.smoke) per_class = 10, head_epochs = 2, full_epochs = 1;
    Rng rng(opt.seed);
    Dataset few = take_per_class(train, per_class, rng);
    fmt::print("labelled training set: {} images ({} per class, seed {}); test set: {} images\n\n", few.size(),
               per_class, opt.seed, test.size());

    // The pretrained autoencoder: from tutorial 1's checkpoint, or trained here.
    Autoencoder ae(train.dim(), {512, 256}, latent, rng);
    if (!opt.smoke && std::filesystem::exists(encoder_path)) {
      load_parameters(encoder_path, ae.parameters());
      fmt::print("encoder loaded from {}\n", encoder_path);
    } else {
      fmt::print("no checkpoint at {}: training the autoencoder here for {} epochs (unlabelled, all {} images)\n",
                 encoder_path, opt.epochs, train.size());
      train_autoencoder(ae, train, opt.epochs, rng, "autoencoder");  // tutorial 1's loop
    }

    const std::vector<int> head_widths{latent, 128, 10};
    auto pretrained = [&] {  // a copy of the pretrained encoder, so each row starts equal
      Classifier c;
      c.encoder = MLP(ae.encoder.widths(), ReLU, rng);
      auto src = ae.encoder.parameters(), dst = c.encoder.parameters();
      for (size_t i = 0; i < src.size(); ++i) std::copy_n(src[i].tensor.data(), src[i].tensor.size(), dst[i].tensor.data());
      return c;
    };
    struct Row { std::string name; float acc; };
    std::vector<Row> rows;

    {  // (a) frozen encoder + linear head, and + MLP head
      Classifier lin = pretrained();
      lin.encoder.set_trainable(false);
      lin.head = MLP({latent, 10}, ReLU, rng);
      train_classifier(lin, few, head_epochs, 1e-2f, rng, "frozen+linear");
      rows.push_back({"frozen encoder + linear head", test_accuracy(lin, test)});

      Classifier mlp = pretrained();
      mlp.encoder.set_trainable(false);
      mlp.head = MLP(head_widths, ReLU, rng);
      train_classifier(mlp, few, head_epochs, 1e-3f, rng, "frozen+MLP");
      rows.push_back({"frozen encoder + MLP-128 head", test_accuracy(mlp, test)});
    }
    {  // (b) the same network from scratch
      Classifier scratch;
      scratch.encoder = MLP(ae.encoder.widths(), ReLU, rng);
      scratch.head = MLP(head_widths, ReLU, rng);
      train_classifier(scratch, few, head_epochs, 1e-3f, rng, "scratch");
      rows.push_back({"same network from scratch", test_accuracy(scratch, test)});
    }
    {  // (c) the pretrained encoder, fine-tuned together with the head
      Classifier tuned = pretrained();
      tuned.head = MLP(head_widths, ReLU, rng);
      train_classifier(tuned, few, head_epochs, 1e-3f, rng, "fine-tuned");
      rows.push_back({"pretrained encoder, fine-tuned", test_accuracy(tuned, test)});
    }
    {  // the ceiling: all 60 000 labels
      Classifier full;
      full.encoder = MLP(ae.encoder.widths(), ReLU, rng);
      full.head = MLP(head_widths, ReLU, rng);
      train_classifier(full, train, full_epochs, 1e-3f, rng, "full data");
      rows.push_back({fmt::format("ceiling: all {} labels, from scratch", train.size()), test_accuracy(full, test)});
    }

    fmt::print("\n{:<40} {:>14}\n", fmt::format("classifier ({} labels unless said)", few.size()), "test accuracy");
    for (const Row& r : rows) fmt::print("{:<40} {:>14.4f}\n", r.name, r.acc);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
