// deep_clustering.cpp — the recipe of deep_clustering.h.
#include "tutorials/common/deep_clustering.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "models/autoencoder.h"
#include "models/consensus.h"
#include "models/dec.h"
#include "models/gmm.h"
#include "models/kmeans.h"
#include "models/umap.h"
#include "nn/checkpoint.h"
#include "nn/metrics.h"
#include "nn/progress.h"
#include "tutorials/common/train_autoencoder.h"

namespace aet {

namespace {

struct Row {
  std::string method;
  double acc, nmi, seconds;
  double test_acc = -1, test_nmi = -1;  // with all_images: the same clusters, on the test images alone
  std::string published;                // ACC / NMI and the recipe behind it, "—" when there is none
};

// Scores `clusters` of every clustered image; `test_from` > 0 also scores rows
// [test_from, N), the test images, on their own.
Row score(const std::string& method, const std::vector<int>& labels, const std::vector<int>& clusters, int test_from,
          const Timer& timer, const std::string& published) {
  Row r{.method = method,
        .acc = clustering_accuracy(labels, clusters),
        .nmi = normalized_mutual_info(labels, clusters),
        .seconds = timer.seconds(),
        .published = published};
  fmt::print("  {:<34} ACC {:.3f} NMI {:.3f}", r.method, r.acc, r.nmi);
  if (test_from > 0) {
    const std::vector<int> tl(labels.begin() + test_from, labels.end()), tc(clusters.begin() + test_from, clusters.end());
    r.test_acc = clustering_accuracy(tl, tc);
    r.test_nmi = normalized_mutual_info(tl, tc);
    fmt::print(" (test images: ACC {:.3f} NMI {:.3f})", r.test_acc, r.test_nmi);
  }
  fmt::print(" ({:.1f}s)\n", r.seconds);
  std::fflush(stdout);
  return r;
}

// train + test as one set (70 000 images): the rows of train, then those of test.
Dataset concatenate(const Dataset& a, const Dataset& b) {
  Dataset all = a;
  all.images = Tensor::empty({a.size() + b.size(), a.dim()});
  std::memcpy(all.images.data(), a.images.data(), sizeof(float) * size_t(a.size()) * a.dim());
  std::memcpy(all.images.data() + size_t(a.size()) * a.dim(), b.images.data(), sizeof(float) * size_t(b.size()) * b.dim());
  all.labels.insert(all.labels.end(), b.labels.begin(), b.labels.end());
  return all;
}

std::string widths(int D, const std::vector<int>& hidden) {
  std::string s = std::to_string(D);
  for (int h : hidden) s += "-" + std::to_string(h);
  return s + "-10";
}

// The GMM's start decides much of the ACC on a UMAP layout: fits `draws` single-start
// mixtures to the same layout and prints how their ACC spreads, and where the start that
// EM itself would keep (the highest likelihood) falls. It runs after every row, so the
// rows are the same with or without it.
void report_gmm_draws(const Tensor& laid_out, const std::vector<int>& labels, int K, int draws, Rng& rng) {
  std::vector<double> acc, nmi;
  double best_ll = -INFINITY, acc_of_best = 0.0;
  for (int d = 0; d < draws; ++d) {
    const GmmFit fit = fit_gmm(laid_out, K, rng, {.n_init = 1});
    acc.push_back(clustering_accuracy(labels, fit.assignment));
    nmi.push_back(normalized_mutual_info(labels, fit.assignment));
    if (fit.log_likelihood.back() > best_ll) best_ll = fit.log_likelihood.back(), acc_of_best = acc.back();
  }
  const int better = int(std::count_if(acc.begin(), acc.end(), [&](double a) { return a > acc_of_best; }));
  std::vector<double> sorted = acc;
  std::sort(sorted.begin(), sorted.end());
  fmt::print("  {} single-start GMMs on this UMAP layout: ACC min {:.3f} median {:.3f} max {:.3f}, NMI {:.3f}-{:.3f}; "
             "the highest-likelihood one: ACC {:.3f} ({} of {} starts score higher)\n",
             draws, sorted.front(), sorted[sorted.size() / 2], sorted.back(), *std::min_element(nmi.begin(), nmi.end()),
             *std::max_element(nmi.begin(), nmi.end()), acc_of_best, better, draws);
  std::fflush(stdout);
}

}  // namespace

void run_deep_clustering(const Dataset& train, const Dataset& test, const DeepClusteringOptions& o, Rng& rng) {
  const int K = test.num_classes;
  const Dataset all = o.all_images ? concatenate(train, test) : Dataset{};
  const Dataset& fit_on = o.all_images ? all : train;     // what the autoencoder trains on
  const Dataset& cluster = o.all_images ? all : test;     // what is clustered and scored
  const int test_from = o.all_images ? train.size() : 0;
  fmt::print("Deep clustering: autoencoder {} trained {} epochs (batch {}) on {} images{}; {} images are clustered "
             "into K = {} groups{}.\n\n", widths(train.dim(), o.hidden), o.epochs, o.batch, fit_on.size(),
             o.all_images ? " (train + test, no labels)" : "", cluster.size(), K,
             o.all_images ? ", scored on all of them and on the test images alone" : " (the test images)");
  std::vector<Row> rows;
  Timer total;
  {
    Timer t;
    rows.push_back(score("K-Means on raw pixels", cluster.labels,
                         kmeans(cluster.images, K, rng, {.n_init = o.pixel_restarts}).assignment, test_from, t,
                         "0.47 / 0.51  K-Means on the 784 pixels of all 70 000 (DEC-keras)"));
  }
  Autoencoder ae(train.dim(), o.hidden, 10, rng);
  if (!o.checkpoint.empty() && std::filesystem::exists(o.checkpoint)) {
    load_parameters(o.checkpoint, ae.parameters());
    fmt::print("  autoencoder loaded from {} (not trained)\n", o.checkpoint);
  } else {
    Timer t;
    train_autoencoder(ae, fit_on, o.epochs, rng, "autoencoder", o.batch);
    fmt::print("  autoencoder trained in {:.1f}s\n", t.seconds());
    if (!o.checkpoint.empty()) save_parameters(o.checkpoint, ae.parameters());
  }
  Tensor codes;
  {
    NoGrad no_grad;
    codes = ae.encode(cluster.images);
  }
  Timer t_km;
  KMeansResult km = kmeans(codes, K, rng, {.n_init = o.restarts});
  rows.push_back(score("autoencoder + K-Means", cluster.labels, km.assignment, test_from, t_km,
                       "0.61 / 0.64  AE 500-500-2000-10, 300 epochs, all 70 000 (DEC-keras)"));
  Timer t_gmm;
  rows.push_back(score("autoencoder + GMM (full covariance)", cluster.labels,
                       fit_gmm(codes, K, rng, {.n_init = o.gmm_restarts}).assignment, test_from, t_gmm, "—"));
  Timer t_umap;
  const Tensor laid_out = umap(codes, rng, {.dims = K, .neighbours = o.umap_neighbours});
  fmt::print("  UMAP of the codes to {} dims in {:.1f}s\n", K, t_umap.seconds());
  Timer t_ukm;
  rows.push_back(score("autoencoder + UMAP + K-Means", cluster.labels,
                       kmeans(laid_out, K, rng, {.n_init = o.restarts}).assignment, test_from, t_ukm, "—"));
  Timer t_ugmm;
  rows.push_back(score("autoencoder + UMAP + GMM (N2D)", cluster.labels,
                       fit_gmm(laid_out, K, rng, {.n_init = o.gmm_restarts}).assignment, test_from, t_ugmm,
                       "0.672 / 0.684  that AE 1 000 epochs, UMAP, GMM, all 70 000 (N2D)"));
  if (o.dec_steps > 0) {
    Timer t_dec;
    DEC dec(ae.encoder, km.centroids);
    const DecResult d = train_dec(dec, cluster.images, rng, {.max_steps = o.dec_steps});
    rows.push_back(score(fmt::format("DEC ({} steps{})", d.steps, d.converged ? ", converged" : ""), cluster.labels,
                         d.assignment, test_from, t_dec, "0.62 / 0.65  that AE, then DEC, all 70 000 (DEC-keras)"));
  }

  if (o.gmm_vote > 0) {  // after DEC, so that every row above draws the same numbers with or without it
    Timer t_vote;
    std::vector<std::vector<int>> starts;
    for (int m = 0; m < o.gmm_vote; ++m) starts.push_back(fit_gmm(laid_out, K, rng, {.n_init = 1}).assignment);
    const ConsensusResult c = vote_consensus(starts, K);
    Row r = score(fmt::format("autoencoder + UMAP + vote of {} GMMs", o.gmm_vote), cluster.labels, c.assignment,
                  test_from, t_vote, "—");
    fmt::print("  (the vote: {} rounds{}, {:.0f} % of the votes agree with it)\n", c.rounds,
               c.converged ? ", converged" : "", 100.0 * c.agreement);
    rows.insert(rows.begin() + 5, r);  // beside the one-mixture row it improves on
    if (o.umap_layouts > 1) {  // a split or merge that one layout makes, the other layouts may not
      for (int l = 1; l < o.umap_layouts; ++l) {
        const Tensor more = umap(codes, rng, {.dims = K, .neighbours = o.umap_neighbours});
        for (int m = 0; m < o.gmm_vote; ++m) starts.push_back(fit_gmm(more, K, rng, {.n_init = 1}).assignment);
      }
      const ConsensusResult all_layouts = vote_consensus(starts, K);
      rows.insert(rows.begin() + 6, score(fmt::format("  ... {} UMAP layouts, vote of {}", o.umap_layouts, starts.size()),
                                          cluster.labels, all_layouts.assignment, test_from, t_vote, "—"));
      fmt::print("  (the vote over {} layouts: {} rounds{}, {:.0f} % of the votes agree with it)\n", o.umap_layouts,
                 all_layouts.rounds, all_layouts.converged ? ", converged" : "", 100.0 * all_layouts.agreement);
    }
  }

  fmt::print("\n{:<36} {:>6} {:>6} {:>8}   {}{}\n", "method (same codes)", "ACC", "NMI", "time",
             o.all_images ? "test alone: ACC / NMI   " : "", "published ACC / NMI, recipe");
  for (const Row& r : rows) {
    const std::string test_part = o.all_images ? fmt::format("{:.3f} / {:.3f}           ", r.test_acc, r.test_nmi) : "";
    fmt::print("{:<36} {:>6.3f} {:>6.3f} {:>7.1f}s   {}{}\n", r.method, r.acc, r.nmi, r.seconds, test_part, r.published);
  }
  if (o.gmm_draws > 0) {
    fmt::print("\n");
    report_gmm_draws(laid_out, cluster.labels, K, o.gmm_draws, rng);
  }
  fmt::print("\ntotal {:.1f}s\n", total.seconds());
}

}  // namespace aet
