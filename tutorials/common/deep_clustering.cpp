// deep_clustering.cpp — the recipe of deep_clustering.h.
#include "tutorials/common/deep_clustering.h"

#include <fmt/core.h>

#include <string>
#include <vector>

#include "models/autoencoder.h"
#include "models/dec.h"
#include "models/gmm.h"
#include "models/kmeans.h"
#include "models/umap.h"
#include "nn/metrics.h"
#include "nn/progress.h"
#include "tutorials/common/train_autoencoder.h"

namespace aet {

namespace {

struct Row {
  std::string method;
  double acc, nmi, seconds;
  std::string published;  // ACC / NMI and the recipe behind it, "—" when there is none
};

Row score(const std::string& method, const Dataset& test, const std::vector<int>& clusters, const Timer& timer,
          const std::string& published) {
  Row r{method, clustering_accuracy(test.labels, clusters), normalized_mutual_info(test.labels, clusters),
        timer.seconds(), published};
  fmt::print("  {:<34} ACC {:.3f} NMI {:.3f} ({:.1f}s)\n", r.method, r.acc, r.nmi, r.seconds);
  std::fflush(stdout);
  return r;
}

}  // namespace

void run_deep_clustering(const Dataset& train, const Dataset& test, int epochs, int restarts, int dec_steps,
                         Rng& rng) {
  const int K = test.num_classes;
  fmt::print("Deep clustering: autoencoder {}-512-256-10 trained {} epochs on {} images; the {} test images "
             "are clustered into K = {} groups.\n\n", train.dim(), epochs, train.size(), test.size(), K);
  std::vector<Row> rows;
  Timer total;
  {
    Timer t;
    rows.push_back(score("K-Means on raw pixels", test, kmeans(test.images, K, rng, {.n_init = restarts}).assignment,
                         t, "0.47 / 0.51  K-Means on the 784 pixels of all 70 000 (DEC-keras)"));
  }
  Autoencoder ae(train.dim(), {512, 256}, 10, rng);
  {
    Timer t;
    train_autoencoder(ae, train, epochs, rng, "autoencoder");
    fmt::print("  autoencoder trained in {:.1f}s\n", t.seconds());
  }
  Tensor codes;
  {
    NoGrad no_grad;
    codes = ae.encode(test.images);
  }
  Timer t_km;
  KMeansResult km = kmeans(codes, K, rng, {.n_init = restarts});
  rows.push_back(score("autoencoder + K-Means", test, km.assignment, t_km,
                       "0.61 / 0.64  AE 500-500-2000-10, 300 epochs, all 70 000 (DEC-keras)"));
  Timer t_gmm;
  rows.push_back(score("autoencoder + GMM (full covariance)", test, fit_gmm(codes, K, rng, {.n_init = 4}).assignment,
                       t_gmm, "—"));
  Timer t_umap;
  const Tensor laid_out = umap(codes, rng, {.dims = K, .neighbours = 20});
  fmt::print("  UMAP of the codes to {} dims in {:.1f}s\n", K, t_umap.seconds());
  Timer t_ukm;
  rows.push_back(score("autoencoder + UMAP + K-Means", test, kmeans(laid_out, K, rng, {.n_init = restarts}).assignment,
                       t_ukm, "—"));
  Timer t_ugmm;
  rows.push_back(score("autoencoder + UMAP + GMM (N2D)", test,
                       fit_gmm(laid_out, K, rng, {.n_init = 4}).assignment, t_ugmm,
                       "0.672 / 0.684  that AE 1 000 epochs, UMAP, GMM, all 70 000 (N2D)"));
  Timer t_dec;
  DEC dec(ae.encoder, km.centroids);
  const DecResult d = train_dec(dec, test.images, rng, {.max_steps = dec_steps});
  rows.push_back(score(fmt::format("DEC ({} steps{})", d.steps, d.converged ? ", converged" : ""), test, d.assignment,
                       t_dec, "0.62 / 0.65  that AE, then DEC, all 70 000 (DEC-keras)"));

  fmt::print("\n{:<36} {:>6} {:>6} {:>8}   {}\n", "method (same codes)", "ACC", "NMI", "time", "published ACC / NMI, recipe");
  for (const Row& r : rows)
    fmt::print("{:<36} {:>6.3f} {:>6.3f} {:>7.1f}s   {}\n", r.method, r.acc, r.nmi, r.seconds, r.published);
  fmt::print("\ntotal {:.1f}s\n", total.seconds());
}

}  // namespace aet
