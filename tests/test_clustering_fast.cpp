// test_clustering_fast.cpp — K-Means' and PCA's fast paths against their plain twins.
//
// The assignment step of K-Means runs through gemm on blocks of 256 points (models/
// kmeans.cpp); assign_to_centroids_naive() computes every distance from the differences.
// PCA's transform is a gemm; here it is checked against (x − μ)·W summed in double.
// Sizes are awkward on purpose: 1 point, fewer points than a block, a block and one more,
// dimensions that are no multiple of any vector width. And the project promises that the
// thread count never changes a result, so every fast path is run at 1, 2 and 3 threads
// and compared bit for bit.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "autograd/thread_pool.h"
#include "models/kmeans.h"
#include "models/pca.h"

using namespace aet;

namespace {

// n points in d dims, coordinates offset + N(0,1): the offset makes ‖x‖² large next to
// the distances, the case where eq. (4) of kmeans.cpp loses the most digits.
Tensor random_points(int n, int d, float offset, Rng& rng) {
  std::vector<float> v(size_t(n) * d);
  for (float& e : v) e = offset + rng.normal();
  return Tensor::from({n, d}, std::move(v));
}

double squared_distance(const Tensor& x, int i, const Tensor& c, int j) {
  double s = 0.0;
  for (int t = 0; t < x.cols(); ++t) {
    const double e = double(x.at(i, t)) - c.at(j, t);
    s += e * e;
  }
  return s;
}

// Runs fn at 1, 2 and 3 threads and puts the thread count back afterwards.
template <typename Fn>
void at_thread_counts(Fn fn) {
  const int saved = num_threads();
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    fn(threads);
  }
  set_num_threads(saved);
}

}  // namespace

TEST_CASE("kmeans: the gemm assignment step picks the same centroids as the plain loop") {
  struct Size { int n, d, k; };
  Rng rng(13);
  for (Size s : {Size{1, 1, 1}, Size{7, 9, 2}, Size{33, 7, 7}, Size{255, 33, 10}, Size{256, 1, 3},
                 Size{257, 100, 10}, Size{600, 17, 5}}) {
    for (float offset : {0.0f, 20.0f}) {
      const Tensor x = random_points(s.n, s.d, offset, rng);
      const Tensor c = random_points(s.k, s.d, offset, rng);
      std::vector<int> plain;
      const double plain_inertia = assign_to_centroids_naive(x, c, plain);
      at_thread_counts([&](int threads) {
        std::vector<int> fast;
        const double fast_inertia = assign_to_centroids(x, c, fast);
        CAPTURE(s.n); CAPTURE(s.d); CAPTURE(s.k); CAPTURE(offset); CAPTURE(threads);
        REQUIRE(fast.size() == plain.size());
        // A different choice is allowed only for a near-tie: the two centroids' exact
        // distances within float rounding of ‖x‖² (eq. 4 subtracts numbers that large).
        int differ = 0, not_a_tie = 0;
        for (int i = 0; i < s.n; ++i) {
          if (fast[i] == plain[i]) continue;
          ++differ;
          double norm = 0.0;
          for (int t = 0; t < s.d; ++t) norm += double(x.at(i, t)) * x.at(i, t);
          const double gap = squared_distance(x, i, c, fast[i]) - squared_distance(x, i, c, plain[i]);
          not_a_tie += gap > 1e-5 * (1.0 + norm);
        }
        CHECK(not_a_tie == 0);
        CHECK(differ <= s.n / 100);  // ties are rare in random data
        CHECK(fast_inertia == doctest::Approx(plain_inertia).epsilon(1e-6));
      });
    }
  }
}

TEST_CASE("kmeans: the same result, bit for bit, on 1, 2 and 3 threads") {
  Rng data_rng(4);
  // 700 points: two full blocks of 256 and a partial one; D = 50 is split over threads
  // by columns in the update step.
  const Tensor x = random_points(700, 50, 1.0f, data_rng);
  for (bool unit_rows : {false, true}) {
    const Tensor input = unit_rows ? normalize_rows(x) : x;
    KMeansResult first;
    at_thread_counts([&](int threads) {
      Rng rng(77);
      const KMeansResult r = kmeans(input, 6, rng, {.n_init = 3});
      CAPTURE(threads); CAPTURE(unit_rows);
      if (threads == 1) {
        first = r;
        return;
      }
      CHECK(r.assignment == first.assignment);
      CHECK(r.centroids.to_vector() == first.centroids.to_vector());
      CHECK(r.inertia == first.inertia);
      CHECK(r.iterations == first.iterations);
    });
  }
}

TEST_CASE("kmeans: centroids kept up to date point by point equal the means recomputed") {
  // The update step moves only the points that changed cluster between the running sums.
  // After many steps on data whose sums round (unit rows), the centroids must still be
  // the means of their points.
  Rng rng(6);
  const Tensor x = normalize_rows(random_points(500, 12, 0.5f, rng));
  const KMeansResult r = kmeans(x, 8, rng, {.n_init = 1});
  REQUIRE(r.iterations > 5);  // enough steps for the sums to be updated many times
  for (int j = 0; j < 8; ++j) {
    std::vector<double> sum(12, 0.0);
    int count = 0;
    for (int i = 0; i < 500; ++i)
      if (r.assignment[i] == j) {
        ++count;
        for (int t = 0; t < 12; ++t) sum[t] += x.at(i, t);
      }
    REQUIRE(count > 0);
    for (int t = 0; t < 12; ++t)  // float centroids: equal to ~1 ulp of the double mean
      CHECK(r.centroids.at(j, t) == doctest::Approx(sum[t] / count).epsilon(1e-6));
  }
}

TEST_CASE("kmeans: skipping points by bounds gives the same steps as assigning every point") {
  // kmeans_from skips the points whose bounds prove they keep their centroid. Here the
  // same iterations are done by hand with assign_to_centroids, which computes every
  // point's distances. Coordinates are multiples of 1/16, so every sum of them is exact
  // in double and both ways get bit-identical centroids: any point the bounds skipped
  // wrongly would show up as a different assignment or step count.
  Rng rng(31);
  const int n = 2000, d = 20, k = 8;
  std::vector<float> v(size_t(n) * d);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::round(16.0f * (rng.normal() + (i / d) % 3)) / 16.0f;
  const Tensor x = Tensor::from({n, d}, std::move(v));
  const Tensor start = kmeans_plus_plus(x, k, rng);
  at_thread_counts([&](int threads) {
    const KMeansResult fast = kmeans_from(x, start, 300);
    Tensor c = start.clone();
    std::vector<int> a, before;
    int steps = 0;
    for (;;) {
      assign_to_centroids(x, c, a);
      ++steps;
      if (a == before || steps == 300) break;
      before = a;
      for (int j = 0; j < k; ++j) {
        std::vector<double> sum(d, 0.0);
        int count = 0;
        for (int i = 0; i < n; ++i)
          if (a[i] == j) {
            ++count;
            for (int t = 0; t < d; ++t) sum[t] += x.at(i, t);
          }
        REQUIRE(count > 0);  // this data never empties a cluster, so the means are all there is
        for (int t = 0; t < d; ++t) c.data()[size_t(j) * d + t] = float(sum[t] / count);
      }
    }
    CAPTURE(threads);
    REQUIRE(steps > 10);  // long enough for the bounds to skip points many times
    CHECK(fast.iterations == steps);
    CHECK(fast.assignment == a);
    CHECK(fast.centroids.to_vector() == c.to_vector());
  });
}

TEST_CASE("pca: transform's gemm agrees with (x − μ)·W summed in double, on any thread count") {
  struct Size { int n, d, k; };
  Rng rng(19);
  for (Size s : {Size{2, 1, 1}, Size{9, 7, 3}, Size{40, 33, 5}, Size{300, 20, 12}}) {
    const Tensor x = random_points(s.n, s.d, 3.0f, rng);
    Pca first;
    Tensor first_z;
    at_thread_counts([&](int threads) {
      Rng fit_rng(5);
      const Pca pca = fit_pca(x, s.k, fit_rng);
      const Tensor z = pca.transform(x);
      CAPTURE(s.n); CAPTURE(s.d); CAPTURE(s.k); CAPTURE(threads);
      REQUIRE(z.shape() == Shape{s.n, s.k});
      int bad = 0;
      for (int i = 0; i < s.n; ++i)
        for (int j = 0; j < s.k; ++j) {
          double want = 0.0, scale = 0.0;
          for (int t = 0; t < s.d; ++t) {
            const double term = (double(x.at(i, t)) - pca.mean.at(0, t)) * pca.components.at(t, j);
            want += term, scale += std::fabs(term);
          }
          bad += std::fabs(z.at(i, j) - want) > 1e-5 * (1.0 + scale);
        }
      CHECK(bad == 0);
      if (threads == 1) {
        first = pca, first_z = z;
        return;
      }
      CHECK(pca.components.to_vector() == first.components.to_vector());
      CHECK(pca.explained_variance == first.explained_variance);
      CHECK(z.to_vector() == first_z.to_vector());
    });
  }
}
