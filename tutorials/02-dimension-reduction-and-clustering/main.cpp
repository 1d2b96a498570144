// Tutorial 2 — dimension reduction and clustering: does the autoencoder's code
// group the clothes by kind, without ever seeing a label?
// Read README.md beside this file first; this program measures what it describes.
#include <fmt/core.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "models/autoencoder.h"
#include "models/kmeans.h"
#include "models/pca.h"
#include "nn/checkpoint.h"
#include "nn/metrics.h"
#include "nn/progress.h"
#include "tutorials/common/data.h"
#include "tutorials/common/deep_clustering.h"
#include "tutorials/common/options.h"
#include "tutorials/common/plot.h"
#include "tutorials/common/train_autoencoder.h"

using namespace aet;

struct Score {
  std::string method;
  int dims;
  double acc, nmi;              // K-Means on the vectors as they are
  double acc_cos, nmi_cos;      // K-Means on their directions x/‖x‖ (cosine similarity)
};

// K-Means with K = number of classes, scored against the true labels, twice: on the
// vectors, and on the vectors scaled to length 1.
static Score cluster_and_score(const std::string& method, const Tensor& x, const Dataset& test, int restarts,
                               Rng& rng, std::vector<int>* clusters = nullptr) {
  KMeansResult plain = kmeans(x, test.num_classes, rng, {.n_init = restarts});
  KMeansResult cosine = kmeans(normalize_rows(x), test.num_classes, rng, {.n_init = restarts});
  if (clusters) *clusters = cosine.assignment;
  return {method,
          x.cols(),
          clustering_accuracy(test.labels, plain.assignment),
          normalized_mutual_info(test.labels, plain.assignment),
          clustering_accuracy(test.labels, cosine.assignment),
          normalized_mutual_info(test.labels, cosine.assignment)};
}

int main(int argc, char** argv) {
  CommonOptions opt;
  opt.epochs = 3;
  opt.out = "out/02-dimension-reduction-and-clustering";
  std::vector<int> latents{2, 3, 5, 10};
  int restarts = 20;
  bool deep = false;
  DeepClusteringOptions dc;
  Flags flags("Tutorial 2: reduce Fashion-MNIST to a few dimensions, then cluster it");
  add_common_flags(flags, opt);
  flags.add("--latents", latents, "code sizes Z to compare", range(1, 784));
  flags.add("--restarts", restarts, "K-Means restarts (k-means++ each)", range(1, 100));
  flags.add_switch("--deep-clustering", deep, "instead: one DEC-sized autoencoder, then K-Means, GMM, UMAP and DEC");
  flags.add("--dc-hidden", dc.hidden, "with --deep-clustering: encoder widths (DEC and N2D: 500 500 2000)",
            range(1, 100000));
  flags.add("--dc-batch", dc.batch, "with --deep-clustering: the autoencoder's minibatch", range(1, 100000));
  flags.add_switch("--dc-all-images", dc.all_images,
                   "with --deep-clustering: train on and cluster all 70 000 images (train + test, no labels)");
  flags.add("--pixel-restarts", dc.pixel_restarts, "with --deep-clustering: K-Means restarts on the raw pixels",
            range(1, 100));
  flags.add("--gmm-restarts", dc.gmm_restarts, "with --deep-clustering: Gaussian-mixture restarts", range(1, 100));
  flags.add("--umap-neighbours", dc.umap_neighbours, "with --deep-clustering: UMAP's k", range(2, 1000));
  flags.add("--gmm-vote", dc.gmm_vote,
            "with --deep-clustering: also fit this many single-start GMMs to the UMAP layout and add the row of "
            "their vote", range(0, 1000));
  flags.add("--umap-layouts", dc.umap_layouts,
            "with --gmm-vote: also vote over that many GMMs on each of this many UMAP layouts, in one more row",
            range(1, 100));
  flags.add("--gmm-draws", dc.gmm_draws,
            "with --deep-clustering: also fit this many single-start GMMs to the UMAP layout, print their ACC spread",
            range(0, 1000));
  flags.add("--dec-steps", dc.dec_steps, "with --deep-clustering: cap on DEC's SGD steps (0: no DEC)",
            range(0, 1000000));
  flags.add("--ae-checkpoint", dc.checkpoint,
            "with --deep-clustering: load the autoencoder from this file if it exists, else train and save it");
  flags.parse(argc, argv);
  try {
    apply_common_flags(opt);
    auto [dir, train, test] = load_tutorial_data(opt, 1000, 500);
    if (opt.smoke) restarts = 1;
    if (deep) {  // the longer recipe of the README's "Beyond K-Means" section
      Rng rng(opt.seed);
      dc.epochs = opt.epochs;
      dc.restarts = restarts;
      if (opt.smoke) dc.pixel_restarts = 1;
      if (opt.smoke) dc.dec_steps = std::min(dc.dec_steps, 20);
      run_deep_clustering(train, test, dc, rng);
      return 0;
    }
    fmt::print("{} training images train each autoencoder ({} epochs per Z, seed {}); the {} test images are "
               "clustered into K = {} groups.\n\n", train.size(), opt.epochs, opt.seed, test.size(), test.num_classes);
    Rng rng(opt.seed);
    std::vector<Score> scores;

    // Baseline 1: K-Means straight on the 784 pixels.
    Timer timer;
    scores.push_back(cluster_and_score("raw pixels", test.images, test, restarts, rng));
    fmt::print("K-Means on raw pixels: {:.1f}s\n", timer.seconds());

    for (int Z : latents) {
      // Baseline 2: PCA to Z dims (fitted on the training images), then K-Means.
      Pca pca = fit_pca(train.images, Z, rng);
      scores.push_back(cluster_and_score("PCA", pca.transform(test.images), test, restarts, rng));

      // The autoencoder's code, then K-Means. Its training loop is tutorial 1's, written
      // out there (and in tutorials/common/train_autoencoder.cpp).
      Autoencoder ae(train.dim(), {512, 256}, Z, rng);
      train_autoencoder(ae, train, opt.epochs, rng, fmt::format("Z={}", Z));
      save_parameters(fmt::format("{}/autoencoder_z{}.ckpt", opt.out, Z), ae.parameters());
      Tensor codes;
      {
        NoGrad no_grad;
        codes = ae.encode(test.images);
      }
      std::vector<int> clusters;
      scores.push_back(cluster_and_score("autoencoder", codes, test, restarts, rng, &clusters));
      const Score &p = scores.end()[-2], &a = scores.back();
      fmt::print("Z={:<3} PCA ACC {:.3f} NMI {:.3f} (cosine {:.3f} {:.3f}) | AE ACC {:.3f} NMI {:.3f} (cosine {:.3f} {:.3f})\n",
                 Z, p.acc, p.nmi, p.acc_cos, p.nmi_cos, a.acc, a.nmi, a.acc_cos, a.nmi_cos);

      if (Z == 2) {  // a 2-D code can be looked at directly
        const auto& names = test.class_names;
        plot_scatter_by_class(opt.out + "/latent_by_class.png",
                              "Autoencoder codes (Z=2) of the test images, coloured by true class", codes,
                              test.labels, names);
        std::vector<std::string> cluster_names;
        for (int k = 0; k < test.num_classes; ++k) cluster_names.push_back(fmt::format("cluster {}", k));
        plot_scatter_by_class(opt.out + "/latent_by_cluster.png",
                              "The same codes, coloured by K-Means cluster (cosine; no labels used)", codes, clusters,
                              cluster_names);
      }
    }

    std::ofstream csv(opt.out + "/clustering.csv");
    csv << "method,dims,acc,nmi,acc_cosine,nmi_cosine\n";
    fmt::print("\n{:<14} {:>5} {:>8} {:>8} {:>12} {:>12}\n", "method", "dims", "ACC", "NMI", "ACC cosine",
               "NMI cosine");
    for (const Score& s : scores) {
      fmt::print("{:<14} {:>5} {:>8.3f} {:>8.3f} {:>12.3f} {:>12.3f}\n", s.method, s.dims, s.acc, s.nmi, s.acc_cos,
                 s.nmi_cos);
      csv << fmt::format("{},{},{:.4f},{:.4f},{:.4f},{:.4f}\n", s.method, s.dims, s.acc, s.nmi, s.acc_cos, s.nmi_cos);
    }
    fmt::print("\nwrote {0}/clustering.csv and, for Z=2, {0}/latent_by_class.png and latent_by_cluster.png\n", opt.out);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
