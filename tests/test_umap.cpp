// test_umap.cpp — the small UMAP of models/umap.h: what it is for (clusters K-Means cannot
// cut with straight lines become blobs it can), that it is repeatable, and its errors.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "models/kmeans.h"
#include "models/umap.h"
#include "nn/metrics.h"
#include "tests/error_of.h"

using namespace aet;
using aet::testing::error_of;
using aet::testing::has;

namespace {
// Two interleaved half circles ("moons") in 2-D, n points each, lifted into D = 6 by a
// fixed rotation-free padding with small noise: the classic case K-Means gets wrong.
Tensor make_moons(int n, Rng& rng, std::vector<int>& labels) {
  const int D = 6;
  Tensor x = Tensor::zeros({2 * n, D});
  labels.assign(2 * n, 0);
  for (int i = 0; i < 2 * n; ++i) {
    const int c = i / n;
    const double t = std::numbers::pi * (i % n) / (n - 1);
    float* r = x.data() + size_t(i) * D;
    r[0] = float(c == 0 ? std::cos(t) : 1.0 - std::cos(t)) + 0.05f * rng.normal();
    r[1] = float(c == 0 ? std::sin(t) : 0.5 - std::sin(t)) + 0.05f * rng.normal();
    for (int d = 2; d < D; ++d) r[d] = 0.02f * rng.normal();
    labels[i] = c;
  }
  return x;
}
}  // namespace

TEST_CASE("umap: two moons that K-Means splits wrongly become two blobs it splits right") {
  Rng rng(5);
  std::vector<int> labels;
  const Tensor x = make_moons(200, rng, labels);
  const double raw = clustering_accuracy(labels, kmeans(x, 2, rng, {.n_init = 5}).assignment);
  const Tensor y = umap(x, rng, {.dims = 2, .neighbours = 10, .epochs = 200});
  REQUIRE(y.rows() == 400);
  REQUIRE(y.cols() == 2);
  for (float v : y.values()) REQUIRE(std::isfinite(v));
  const double laid_out = clustering_accuracy(labels, kmeans(y, 2, rng, {.n_init = 5}).assignment);
  MESSAGE("K-Means ACC on the moons " << raw << ", on their UMAP layout " << laid_out);
  CHECK(raw < 0.9);          // straight cuts cannot follow the half circles
  CHECK(laid_out > 0.98);    // the layout keeps only who is near whom
}

TEST_CASE("umap: same seed, same layout") {
  Rng r0(2);
  std::vector<int> labels;
  const Tensor x = make_moons(40, r0, labels);
  Rng r1(9), r2(9);
  const Tensor a = umap(x, r1, {.dims = 3, .neighbours = 5, .epochs = 30});
  const Tensor b = umap(x, r2, {.dims = 3, .neighbours = 5, .epochs = 30});
  CHECK(std::equal(a.values().begin(), a.values().end(), b.values().begin()));
}

TEST_CASE("umap: bad input gets a message that says what to change") {
  Rng rng(1);
  CHECK_THROWS_WITH_AS(umap(Tensor::zeros({10}), rng), "umap: x must be 2-d (N,D), got (10)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(umap(Tensor::zeros({15, 3}), rng, {.neighbours = 20}),
                       "umap: 15 rows are too few for 20 neighbours (need neighbours + 2)", std::invalid_argument);
  CHECK(error_of([&] { umap(Tensor::zeros({30, 3}), rng, {.neighbours = 1}); }) == has("neighbours must be >= 2"));
}
