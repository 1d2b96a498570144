// test_clustering.cpp — K-Means, PCA and the clustering scores of tutorial 2.
//
// Every dataset here is synthetic and generated with aet::Rng, so we know the truth:
// the blob each point came from, the axis the data was stretched along. Scores are
// checked against values worked out by hand in the comments.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <vector>

#include "models/kmeans.h"
#include "models/pca.h"
#include "nn/metrics.h"

using namespace aet;

namespace {

// n points in d dims around `blobs` centres 3·e_b (unit vectors; pairwise distance
// 3√2 ≈ 4.2), each coordinate perturbed by N(0, spread²). Point i belongs to blob
// i % blobs, so every blob is used and labels are interleaved rather than sorted.
Tensor make_blobs(int n, int d, int blobs, float spread, Rng& rng, std::vector<int>& labels) {
  std::vector<float> v(size_t(n) * d);
  labels.resize(n);
  for (int i = 0; i < n; ++i) {
    labels[i] = i % blobs;
    for (int t = 0; t < d; ++t) v[size_t(i) * d + t] = (t == labels[i] ? 3.0f : 0.0f) + spread * rng.normal();
  }
  return Tensor::from({n, d}, std::move(v));
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  return std::inner_product(a.begin(), a.end(), b.begin(), 0.0);
}

std::vector<double> column(const Tensor& t, int j) {
  std::vector<double> c(t.rows());
  for (int r = 0; r < t.rows(); ++r) c[r] = t.at(r, j);
  return c;
}

}  // namespace

// ---- K-Means ----------------------------------------------------------------------

TEST_CASE("kmeans: recovers well-separated Gaussian blobs exactly") {
  Rng rng(11);
  std::vector<int> labels;
  const Tensor x = make_blobs(200, 5, 4, 0.1f, rng, labels);
  const KMeansResult r = kmeans(x, 4, rng);
  REQUIRE(r.assignment.size() == 200);
  CHECK(r.centroids.shape() == Shape{4, 5});
  CHECK(clustering_accuracy(labels, r.assignment) == 1.0);
  CHECK(normalized_mutual_info(labels, r.assignment) == doctest::Approx(1.0));
  // Inertia is then the noise alone: E Σ‖ε‖² = N·D·spread² = 200·5·0.01 = 10 (less a
  // little, since each centroid is fitted to its own points).
  CHECK(r.inertia == doctest::Approx(10.0).epsilon(0.2));
  // Each centroid sits on a true centre: some coordinate ≈ 3, the rest ≈ 0.
  for (int j = 0; j < 4; ++j) {
    float top = 0, rest = 0;
    for (int t = 0; t < 5; ++t) {
      const float c = r.centroids.at(j, t);
      if (c > 1.5f) top = c; else rest = std::max(rest, std::fabs(c));
    }
    CHECK(top == doctest::Approx(3.0).epsilon(0.02));
    CHECK(rest < 0.05f);
  }
}

TEST_CASE("kmeans: the result is a fixed point of Lloyd's two steps") {
  Rng rng(5);
  std::vector<int> labels;
  const Tensor x = make_blobs(150, 6, 3, 1.0f, rng, labels);  // overlapping blobs: a harder case
  const KMeansResult r = kmeans(x, 5, rng, {.n_init = 2, .max_iter = 300});
  REQUIRE(r.iterations < 300);  // it converged rather than hit the cap
  // Assignment step (2): every point is with its nearest centroid.
  std::vector<int> again;
  const double inertia = assign_to_centroids(x, r.centroids, again);
  CHECK(again == r.assignment);
  CHECK(inertia == doctest::Approx(r.inertia).epsilon(1e-9));
  // Update step (3): every centroid is the mean of its points.
  for (int j = 0; j < 5; ++j) {
    std::vector<double> sum(6, 0.0);
    int count = 0;
    for (int i = 0; i < 150; ++i)
      if (r.assignment[i] == j) {
        ++count;
        for (int t = 0; t < 6; ++t) sum[t] += x.at(i, t);
      }
    REQUIRE(count > 0);  // no empty cluster survives
    for (int t = 0; t < 6; ++t) CHECK(r.centroids.at(j, t) == doctest::Approx(sum[t] / count).epsilon(1e-5));
  }
}

TEST_CASE("kmeans: same seed, same result; more restarts never raise the inertia") {
  std::vector<int> labels;
  Rng data_rng(3);
  const Tensor x = make_blobs(120, 4, 3, 1.5f, data_rng, labels);
  Rng a(99), b(99);
  const KMeansResult ra = kmeans(x, 6, a), rb = kmeans(x, 6, b);
  CHECK(ra.assignment == rb.assignment);
  CHECK(ra.centroids.to_vector() == rb.centroids.to_vector());
  CHECK(ra.inertia == rb.inertia);
  CHECK(ra.iterations == rb.iterations);
  // The first restart of n_init = 8 is the only restart of n_init = 1 (same draws).
  Rng c(7), d(7);
  const KMeansResult one = kmeans(x, 6, c, {.n_init = 1}), many = kmeans(x, 6, d, {.n_init = 8});
  CHECK(many.inertia <= one.inertia);
}

TEST_CASE("kmeans++: seeds are distinct data points") {
  Rng rng(2);
  std::vector<int> labels;
  const Tensor x = make_blobs(12, 3, 3, 0.5f, rng, labels);
  // With k = N every point must be picked exactly once: D² = 0 for points already chosen.
  const Tensor seeds = kmeans_plus_plus(x, 12, rng);
  std::set<std::vector<float>> rows_of_x, picked;
  for (int i = 0; i < 12; ++i) {
    rows_of_x.insert({&x.data()[i * 3], &x.data()[i * 3] + 3});
    picked.insert({&seeds.data()[i * 3], &seeds.data()[i * 3] + 3});
  }
  CHECK(picked.size() == 12);
  CHECK(picked == rows_of_x);
  // And k = N clusters fit perfectly.
  CHECK(kmeans(x, 12, rng, {.n_init = 1}).inertia == doctest::Approx(0.0));
}

TEST_CASE("kmeans_from: an empty cluster is restarted at the farthest point") {
  // 1-D points 0, 1, 10, 11 and starting centroids 0.5, 100, 10.5, worked by hand:
  //   step 1: every point is 0.25 from c0 or c2; nobody picks c1 = 100: empty.
  //           update: c0 = mean(0,1) = 0.5, c2 = 10.5; c1 restarts at the farthest
  //           point — all tie at 0.25, so the first, x = 0.
  //   step 2: 0 → c1 (distance 0), 1 → c0, 10 and 11 → c2. Update: c0 = 1, c1 = 0.
  //   step 3: nothing changes: converged after 3 assignment steps, J = 0.25 + 0.25.
  const Tensor x = Tensor::from({4, 1}, {0, 1, 10, 11});
  const Tensor start = Tensor::from({3, 1}, {0.5f, 100, 10.5f});
  const KMeansResult r = kmeans_from(x, start, 300);
  CHECK(r.assignment == std::vector<int>{1, 0, 2, 2});
  CHECK(r.centroids.to_vector() == std::vector<float>{1, 0, 10.5f});
  CHECK(r.iterations == 3);
  CHECK(r.inertia == doctest::Approx(0.5));
  CHECK(start.at(1, 0) == 100.0f);  // the caller's centroids are left alone
  // With max_iter = 1 only the first assignment step runs.
  CHECK(kmeans_from(x, start, 1).assignment == std::vector<int>{0, 0, 2, 2});
}

TEST_CASE("kmeans: input errors a student can act on") {
  Rng rng(1);
  const Tensor x = Tensor::zeros({3, 2});
  CHECK_THROWS_WITH_AS(kmeans(x, 4, rng), "kmeans: k = 4 clusters is more than the 3 points given; use k <= N",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(kmeans(x, 0, rng), "kmeans: k must be at least 1, got 0", std::invalid_argument);
  CHECK_THROWS_WITH_AS(kmeans(Tensor::zeros({4}), 2, rng),
                       "kmeans: data must be 2-d (N points, D features), got shape (4); flatten images to rows first",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(kmeans(Tensor(), 2, rng),
                       "kmeans: the data tensor is empty (undefined); pass an (N,D) tensor with one point per row",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(kmeans(x, 2, rng, {.n_init = 0}), "kmeans: n_init (restarts) must be at least 1, got 0",
                       std::invalid_argument);
  const Tensor nan = Tensor::from({2, 2}, {0, 1, std::numeric_limits<float>::quiet_NaN(), 3});
  CHECK_THROWS_WITH_AS(kmeans(nan, 1, rng),
                       "kmeans: data holds a non-finite value (NaN or infinity) at row 1, column 0",
                       std::invalid_argument);
  // Three copies of two distinct points cannot make three clusters.
  const Tensor dup = Tensor::from({6, 1}, {1, 1, 1, 5, 5, 5});
  CHECK_THROWS_WITH_AS(kmeans(dup, 3, rng),
                       "kmeans: the data has only 2 distinct points, fewer than k = 3; lower k or check the data for "
                       "duplicated rows",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(kmeans(x, 2, rng, {.max_iter = 0}), "kmeans: max_iter must be at least 1, got 0",
                       std::invalid_argument);
  const Tensor bad_start = Tensor::from({1, 2}, {0, std::numeric_limits<float>::infinity()});
  CHECK_THROWS_WITH_AS(kmeans_from(x, bad_start),
                       "kmeans_from: centroids holds a non-finite value (NaN or infinity) at row 0, column 1",
                       std::invalid_argument);
  std::vector<int> a;
  CHECK_THROWS_WITH_AS(assign_to_centroids(x, Tensor::zeros({2, 3}), a),
                       "assign_to_centroids: data has shape (3,2) but centroids have shape (2,3); both need the same "
                       "number of columns D",
                       std::invalid_argument);
}

// ---- PCA --------------------------------------------------------------------------

TEST_CASE("pca: finds the axis the data is stretched along") {
  // x = μ + 3 t u + ε with t ~ N(0,1), ε ~ N(0, 0.05²) per coordinate, u a unit vector.
  // Var along u is 9 + 0.0025, along any orthogonal direction 0.0025.
  const int n = 400, d = 5;
  std::vector<double> u = {1, 2, -1, 0.5, -3};
  const double len = std::sqrt(dot(u, u));
  for (double& e : u) e /= len;
  const double mu[d] = {10, -2, 0, 4, 1};
  Rng rng(21);
  std::vector<float> v(size_t(n) * d);
  for (int i = 0; i < n; ++i) {
    const float t = rng.normal();
    for (int j = 0; j < d; ++j) v[size_t(i) * d + j] = float(mu[j] + 3.0 * t * u[j] + 0.05 * rng.normal());
  }
  const Tensor x = Tensor::from({n, d}, std::move(v));
  const Pca pca = fit_pca(x, 3, rng);
  REQUIRE(pca.components.shape() == Shape{5, 3});
  CHECK(pca.mean.shape() == Shape{1, 5});
  for (int j = 0; j < d; ++j) CHECK(pca.mean.at(0, j) == doctest::Approx(mu[j]).epsilon(0.05));

  const std::vector<double> w1 = column(pca.components, 0);
  CHECK(std::fabs(dot(w1, u)) > 0.99);  // |cos| between unit vectors
  // Sign rule: the largest-magnitude entry (here the one along u's −3) is positive.
  CHECK(w1[4] > 0.0);
  // Variances: λ1 ≈ 9 (sample variance of 3t), then noise-sized, in descending order.
  REQUIRE(pca.explained_variance.size() == 3);
  CHECK(pca.explained_variance[0] == doctest::Approx(9.0).epsilon(0.15));
  CHECK(pca.explained_variance[0] >= pca.explained_variance[1]);
  CHECK(pca.explained_variance[1] >= pca.explained_variance[2]);
  CHECK(pca.explained_variance[1] < 0.01f);
  CHECK(pca.explained_variance[0] / pca.total_variance > 0.99);
  // Components are orthonormal.
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b)
      CHECK(dot(column(pca.components, a), column(pca.components, b)) == doctest::Approx(a == b ? 1.0 : 0.0).epsilon(1e-5));
  // transform: (N,5) -> (N,3), centred, first column's variance ≈ λ1.
  const Tensor z = pca.transform(x);
  REQUIRE(z.shape() == Shape{n, 3});
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) s += z.at(i, 0), s2 += double(z.at(i, 0)) * z.at(i, 0);
  CHECK(std::fabs(s / n) < 1e-3);
  CHECK(s2 / (n - 1) == doctest::Approx(pca.explained_variance[0]).epsilon(1e-3));
}

TEST_CASE("pca: subspace iteration matches a full Jacobi eigendecomposition") {
  // D = 30 > k + 10, so fit_pca iterates on a subspace; we compare with all 30
  // eigenpairs of the same covariance from jacobi_eigen. Column t is scaled by
  // 1 + t/3 and the columns are mixed, so the eigenvectors are not the axes.
  const int n = 300, d = 30, k = 3;
  Rng rng(8);
  std::vector<float> v(size_t(n) * d);
  for (int i = 0; i < n; ++i) {
    std::vector<double> g(d);
    for (int t = 0; t < d; ++t) g[t] = rng.normal() * (1.0 + t / 3.0);
    for (int t = 0; t < d; ++t) v[size_t(i) * d + t] = float(g[t] + 0.5 * g[(t * 7 + 3) % d]);
  }
  const Tensor x = Tensor::from({n, d}, v);
  const Pca pca = fit_pca(x, k, rng);

  std::vector<double> mean(d, 0.0), cov(size_t(d) * d, 0.0);
  for (int i = 0; i < n; ++i)
    for (int t = 0; t < d; ++t) mean[t] += v[size_t(i) * d + t] / double(n);
  for (int i = 0; i < n; ++i)
    for (int a = 0; a < d; ++a)
      for (int b = 0; b < d; ++b)
        cov[size_t(a) * d + b] += (v[size_t(i) * d + a] - mean[a]) * (v[size_t(i) * d + b] - mean[b]) / (n - 1);
  const SymmetricEigen full = jacobi_eigen(cov, d);
  for (int j = 0; j < k; ++j) {
    CHECK(pca.explained_variance[j] == doctest::Approx(full.values[j]).epsilon(1e-4));
    std::vector<double> e(d);
    for (int t = 0; t < d; ++t) e[t] = full.vectors[size_t(t) * d + j];
    CHECK(std::fabs(dot(column(pca.components, j), e)) > 0.9999);
  }
  double trace = 0;
  for (int t = 0; t < d; ++t) trace += cov[size_t(t) * d + t];
  CHECK(pca.total_variance == doctest::Approx(trace).epsilon(1e-4));
}

TEST_CASE("jacobi_eigen: a 3x3 matrix with known eigenpairs") {
  // [[2,1,0],[1,2,0],[0,0,5]]: the block [[2,1],[1,2]] has eigenvalues 3 (vector (1,1)/√2)
  // and 1 (vector (1,−1)/√2); the third axis is its own eigenvector with eigenvalue 5.
  const SymmetricEigen e = jacobi_eigen({2, 1, 0, 1, 2, 0, 0, 0, 5}, 3);
  CHECK(e.values[0] == doctest::Approx(5.0));
  CHECK(e.values[1] == doctest::Approx(3.0));
  CHECK(e.values[2] == doctest::Approx(1.0));
  CHECK(std::fabs(e.vectors[2 * 3 + 0]) == doctest::Approx(1.0));  // column 0 = ±e_3
  CHECK(std::fabs(e.vectors[0 * 3 + 1]) == doctest::Approx(std::sqrt(0.5)));
  CHECK(e.vectors[0 * 3 + 1] == doctest::Approx(e.vectors[1 * 3 + 1]));   // (1,1)/√2 up to sign
  CHECK(e.vectors[0 * 3 + 2] == doctest::Approx(-e.vectors[1 * 3 + 2]));  // (1,−1)/√2 up to sign
}

TEST_CASE("pca: input errors a student can act on") {
  Rng rng(1);
  CHECK_THROWS_WITH_AS(fit_pca(Tensor::zeros({10, 4}), 5, rng),
                       "fit_pca: k = 5 components requested, but it must be between 1 and D = 4 (the number of columns)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(fit_pca(Tensor::zeros({1, 4}), 2, rng),
                       "fit_pca: a covariance needs at least 2 points, got N = 1", std::invalid_argument);
  const Pca pca = fit_pca(Tensor::randn({20, 4}, rng), 2, rng);
  CHECK_THROWS_WITH_AS(pca.transform(Tensor::zeros({3, 5})),
                       "Pca::transform: input has shape (3,5), expected (N,4) like the data PCA was fitted on",
                       std::invalid_argument);
}

// ---- scores ------------------------------------------------------------------------

TEST_CASE("ACC and NMI: identical and relabelled clusterings score 1") {
  const std::vector<int> y = {0, 0, 1, 1, 2, 2, 2};
  CHECK(clustering_accuracy(y, y) == 1.0);
  CHECK(normalized_mutual_info(y, y) == doctest::Approx(1.0));
  // Same partition, cluster names permuted 0→2, 1→0, 2→1.
  const std::vector<int> c = {2, 2, 0, 0, 1, 1, 1};
  CHECK(clustering_accuracy(y, c) == 1.0);
  CHECK(normalized_mutual_info(y, c) == doctest::Approx(1.0));
}

TEST_CASE("ACC and NMI: a hand-computed example") {
  // labels   = 0 0 0 1 1 1      confusion (rows: class, columns: cluster)
  // clusters = 0 0 1 1 2 2        class 0:  2 1 0
  //                               class 1:  0 1 2
  // ACC: the best mapping is cluster 0 → class 0, cluster 2 → class 1 (cluster 1 maps
  // to nothing): 2 + 2 = 4 of 6 correct, ACC = 2/3.
  // NMI with N = 6, class sizes (3,3), cluster sizes (2,2,2):
  //   I = Σ (n_yc/N) log(N n_yc / (n_y n_c))
  //     = 2/6 log(6·2/(3·2)) + 1/6 log(6·1/(3·2)) + 1/6 log(1) + 2/6 log(2)
  //     = (2/3) ln 2 = 0.462098
  //   H(Y) = ln 2 = 0.693147, H(C) = ln 3 = 1.098612, mean 0.895880
  //   NMI = 0.462098 / 0.895880 = 0.515804
  const std::vector<int> y = {0, 0, 0, 1, 1, 1}, c = {0, 0, 1, 1, 2, 2};
  CHECK(clustering_accuracy(y, c) == doctest::Approx(4.0 / 6.0));
  CHECK(normalized_mutual_info(y, c) == doctest::Approx(0.5158037429793888).epsilon(1e-12));
  // More clusters than classes: labels 0 0 1 1, every point its own cluster. Only
  // two clusters can be matched (one per class): ACC = 2/4. NMI: I = H(Y) = ln 2,
  // H(C) = ln 4 = 2 ln 2, so NMI = ln 2 / (1.5 ln 2) = 2/3.
  const std::vector<int> y2 = {0, 0, 1, 1}, c2 = {0, 1, 2, 3};
  CHECK(clustering_accuracy(y2, c2) == doctest::Approx(0.5));
  CHECK(normalized_mutual_info(y2, c2) == doctest::Approx(2.0 / 3.0));
  // Fewer clusters than classes: everything in one cluster. ACC = largest class / N =
  // 3/6 for y; H(C) = 0 so I = 0 and NMI = 0. Both labelings one group: NMI := 1.
  const std::vector<int> one(6, 0);
  CHECK(clustering_accuracy(y, one) == doctest::Approx(0.5));
  CHECK(normalized_mutual_info(y, one) == 0.0);
  CHECK(normalized_mutual_info(one, one) == 1.0);
}

TEST_CASE("confusion_matrix: counts per (class, cluster)") {
  const std::vector<int> y = {0, 0, 0, 1, 1, 1}, c = {0, 0, 1, 1, 2, 2};
  const auto m = confusion_matrix(y, c, 2, 3);
  CHECK(m == std::vector<std::vector<int>>{{2, 1, 0}, {0, 1, 2}});
  CHECK_THROWS_WITH_AS(confusion_matrix(y, c, 2, 2), "confusion_matrix: point 4 is in cluster 2, outside [0, 2)",
                       std::invalid_argument);
}

TEST_CASE("hungarian_max: a 3x3 problem where greedy fails, and rectangular ones") {
  // Greedy takes the 10 first, then can only add 1 + 1: total 12. The optimum pairs
  // row 0 with column 1 and row 1 with column 0 (9 + 9) and row 2 with column 2 (1): 19.
  const std::vector<std::vector<double>> w = {{10, 9, 1}, {9, 1, 1}, {1, 1, 1}};
  CHECK(hungarian_max(w) == std::vector<int>{1, 0, 2});
  // Check against all 3! matchings.
  std::vector<int> perm = {0, 1, 2};
  double best = -1;
  do best = std::max(best, w[0][perm[0]] + w[1][perm[1]] + w[2][perm[2]]);
  while (std::next_permutation(perm.begin(), perm.end()));
  CHECK(best == 19.0);
  // 2 rows, 3 columns: row 0 → column 2 (5), row 1 → column 0 (4): 9 beats 5 + 3.
  CHECK(hungarian_max({{1, 2, 5}, {4, 3, 5}}) == std::vector<int>{2, 0});
  // 3 rows, 2 columns: one row is left out (-1). Best: row 1 → 0 (7), row 2 → 1 (6).
  CHECK(hungarian_max({{5, 5}, {7, 1}, {2, 6}}) == std::vector<int>{-1, 0, 1});
  // Negative weights are fine: maximum = −1 + −1 via the anti-diagonal.
  CHECK(hungarian_max({{-5, -1}, {-1, -5}}) == std::vector<int>{1, 0});
  CHECK_THROWS_WITH_AS(hungarian_max({{1, 2}, {3}}),
                       "hungarian_max: row 0 has 2 columns but row 1 has 1; the weights must form a rectangular matrix",
                       std::invalid_argument);
}

TEST_CASE("ACC and NMI: input errors a student can act on") {
  const std::vector<int> y = {0, 1, 1}, c = {0, 1};
  CHECK_THROWS_WITH_AS(clustering_accuracy(y, c),
                       "clustering_accuracy: labels has 3 entries but clusters has 2; pass one cluster id for each "
                       "labelled point",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(normalized_mutual_info(y, c),
                       "normalized_mutual_info: labels has 3 entries but clusters has 2; pass one cluster id for each "
                       "labelled point",
                       std::invalid_argument);
  const std::vector<int> none;
  CHECK_THROWS_WITH_AS(clustering_accuracy(none, none),
                       "clustering_accuracy: no points given (labels and clusters are empty)", std::invalid_argument);
  const std::vector<int> neg = {0, -1, 1};
  CHECK_THROWS_WITH_AS(normalized_mutual_info(y, neg),
                       "normalized_mutual_info: ids must be >= 0, but point 1 has label 1 and cluster -1",
                       std::invalid_argument);
}

TEST_CASE("normalize_rows: unit length rows, zero rows untouched, direction kept") {
  aet::Tensor x = aet::Tensor::from({3, 2}, {3, 4, 0, 0, -2, 0});
  aet::Tensor n = aet::normalize_rows(x);
  CHECK(n.to_vector() == std::vector<float>{0.6f, 0.8f, 0, 0, -1, 0});
}
