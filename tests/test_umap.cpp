// test_umap.cpp — the small UMAP of models/umap.h: the layout keeps each point's
// neighbours, it is repeatable, and bad input gets a message.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "models/umap.h"
#include "tests/error_of.h"

using namespace aet;
using aet::testing::has;

namespace {
// Two interleaved half circles ("moons") in 2-D, n points each, padded to D = 6 with
// four coordinates of small noise: the classic case K-Means gets wrong.
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

// Share of each point's k nearest neighbours (by Euclidean distance in t) that have its label.
static double neighbour_purity(const Tensor& t, const std::vector<int>& labels, int k) {
  const int N = t.rows(), D = t.cols();
  int same = 0;
  for (int i = 0; i < N; ++i) {
    std::vector<std::pair<float, int>> d;
    for (int j = 0; j < N; ++j) {
      float s = 0.0f;
      for (int c = 0; c < D; ++c) s += std::pow(t.data()[size_t(i) * D + c] - t.data()[size_t(j) * D + c], 2.0f);
      if (j != i) d.push_back({s, j});
    }
    std::partial_sort(d.begin(), d.begin() + k, d.end());
    for (int n = 0; n < k; ++n) same += labels[d[n].second] == labels[i];
  }
  return double(same) / (double(N) * k);
}

TEST_CASE("umap: the layout keeps who is near whom (two moons, 6-D into 2-D)") {
  // The moons do not touch, so a point's neighbours share its moon; a layout that kept
  // only the global shape, or scrambled the points, would mix them.
  Rng rng(5);
  std::vector<int> labels;
  const Tensor x = make_moons(200, rng, labels);
  const Tensor y = umap(x, rng, {.dims = 2, .neighbours = 10, .epochs = 200});
  REQUIRE(y.rows() == 400);
  REQUIRE(y.cols() == 2);
  for (float v : y.values()) REQUIRE(std::isfinite(v));
  CHECK(neighbour_purity(x, labels, 10) > 0.99);
  CHECK(neighbour_purity(y, labels, 10) > 0.98);
  // Before the SGD (epochs = 0) the layout is the spectral start, already far from random:
  Rng r2(5);
  const Tensor start = umap(x, r2, {.dims = 2, .neighbours = 10, .epochs = 0});
  const double p0 = neighbour_purity(start, labels, 10);
  MESSAGE("neighbour purity of the spectral start " << p0);
  CHECK(p0 > 0.8);
  // A scrambled layout scores about ½, so the checks above can fail.
  std::vector<int> shuffled = labels;
  for (int i = 399; i > 0; --i) std::swap(shuffled[i], shuffled[rng.randint(i + 1)]);
  CHECK(neighbour_purity(y, shuffled, 10) < 0.6);
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
  CHECK_THROWS_WITH_AS(umap(Tensor::zeros({30, 3}), rng, {.neighbours = 1}), has("neighbours must be >= 2"),
                       std::invalid_argument);
}
