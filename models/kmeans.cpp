// kmeans.cpp — k-means++ seeding, Lloyd iterations, restarts (see kmeans.h for eqs. 1–3).
//
// Where the time goes. The assignment step (2) needs all N·K squared distances. A triple
// loop costs N·K·D multiply-adds done one at a time; instead we expand the square,
//
//     ‖x_i − c_j‖² = ‖x_i‖² − 2 x_i·c_j + ‖c_j‖²,                             (4)
//
// so the only N·K·D work is the matrix of dot products X·Cᵀ (N,K): one gemm call, which
// is blocked, vectorised and threaded. ‖x_i‖² is computed once per call to kmeans();
// ‖c_j‖² costs K·D per step. On Fashion-MNIST (N=10 000, D=784, K=10) a step is then a
// few milliseconds. Eq. (4) subtracts large numbers, so in float a distance of exactly 0
// may come out as ±1e-5; that only matters for ties between centroids, never for
// which centroid is nearest in practice, and we clamp at 0. The inertia we report is
// recomputed from the plain differences in double, so it is exact to rounding.
#include "models/kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "autograd/gemm.h"
#include "autograd/thread_pool.h"

namespace aet {
namespace {

// ---- input checks -------------------------------------------------------------------

// One NaN would make every distance NaN and every comparison false, so the result
// would be silently meaningless. Finding it here names the culprit.
void check_finite(const char* fn, const Tensor& t, const char* what) {
  const float* p = t.data();
  const int d = t.cols();
  for (size_t i = 0; i < t.size(); ++i)
    if (!std::isfinite(p[i]))
      throw std::invalid_argument(std::string(fn) + ": " + what + " holds a non-finite value (NaN or infinity) at row " +
                                  std::to_string(i / d) + ", column " + std::to_string(i % d));
}

void check_data(const char* fn, const Tensor& x) {
  if (!x.defined())
    throw std::invalid_argument(std::string(fn) + ": the data tensor is empty (undefined); "
                                "pass an (N,D) tensor with one point per row");
  if (x.ndim() != 2)
    throw std::invalid_argument(std::string(fn) + ": data must be 2-d (N points, D features), got shape " +
                                shape_str(x.shape()) + "; flatten images to rows first");
  check_finite(fn, x, "data");
}

void check_centroids(const char* fn, const Tensor& x, const Tensor& centroids) {
  check_2d(fn, centroids, "centroids");
  if (centroids.cols() != x.cols())
    throw std::invalid_argument(std::string(fn) + ": data has shape " + shape_str(x.shape()) + " but centroids have shape " +
                                shape_str(centroids.shape()) + "; both need the same number of columns D");
  check_finite(fn, centroids, "centroids");
}

void check_k(const char* fn, const Tensor& x, int k) {
  if (k < 1)
    throw std::invalid_argument(std::string(fn) + ": k must be at least 1, got " + std::to_string(k));
  if (k > x.rows())
    throw std::invalid_argument(std::string(fn) + ": k = " + std::to_string(k) +
                                " clusters is more than the " + std::to_string(x.rows()) +
                                " points given; use k <= N");
}

// ---- small helpers ------------------------------------------------------------------

// ‖row‖² for each of the n rows of a row-major (n,d) matrix.
std::vector<float> squared_row_norms(const float* a, int n, int d) {
  std::vector<float> norms(n);
  for (int i = 0; i < n; ++i) {
    const float* row = a + size_t(i) * d;
    double s = 0.0;
    for (int t = 0; t < d; ++t) s += double(row[t]) * row[t];
    norms[i] = float(s);
  }
  return norms;
}

// ‖a − b‖² for two vectors of length d, from the differences (no cancellation).
double squared_distance(const float* a, const float* b, int d) {
  double s = 0.0;
  for (int t = 0; t < d; ++t) {
    const double diff = double(a[t]) - b[t];
    s += diff * diff;
  }
  return s;
}

// Runs fn(begin, end) over [0, n) in one contiguous chunk per thread.
template <typename Fn>
void parallel_rows(int n, Fn fn) {
  const int chunks = std::min(num_threads(), std::max(1, n / 1024));
  parallel_for(chunks, [&](int t) { fn(int(long(n) * t / chunks), int(long(n) * (t + 1) / chunks)); });
}

// ---- k-means++ ----------------------------------------------------------------------

// Writes k seeds into centroids (k,d). closest[i] holds D(x_i)², the squared distance
// from x_i to the nearest seed chosen so far. We use plain differences here, not eq. (4),
// so a chosen point (or an exact duplicate of one) has D² = 0 exactly and can never be
// drawn again: the k seeds are k distinct points.
void seed_plus_plus(const char* fn, const float* x, int n, int d, int k, Rng& rng, float* centroids) {
  std::vector<double> closest(n, std::numeric_limits<double>::infinity());
  int chosen = rng.randint(n);  // the first seed: uniform over the points
  for (int j = 0;; ++j) {
    const float* c = x + size_t(chosen) * d;
    std::copy(c, c + d, centroids + size_t(j) * d);
    if (j + 1 == k) return;

    // Update D² with the new seed; this N·D pass is the cost of seeding.
    parallel_rows(n, [&](int begin, int end) {
      for (int i = begin; i < end; ++i)
        closest[i] = std::min(closest[i], squared_distance(x + size_t(i) * d, c, d));
    });

    // Draw the next seed with P(i) = D(x_i)² / Σ D². Picture the points' weights laid
    // end to end on [0, total) and throw a dart r uniformly; it lands in exactly one
    // point's interval. Points with D² = 0 have empty intervals and are never hit.
    const double total = std::accumulate(closest.begin(), closest.end(), 0.0);
    if (total <= 0.0)
      throw std::invalid_argument(std::string(fn) + ": the data has only " + std::to_string(j + 1) +
                                  " distinct points, fewer than k = " + std::to_string(k) +
                                  "; lower k or check the data for duplicated rows");
    const double r = double(rng.uniform()) * total;
    double cumulative = 0.0;
    chosen = -1;
    for (int i = 0; i < n; ++i) {
      if (closest[i] <= 0.0) continue;
      chosen = i;  // if rounding ever leaves r past the end, keep the last positive point
      cumulative += closest[i];
      if (cumulative > r) break;
    }
  }
}

// ---- Lloyd's iterations ---------------------------------------------------------------

// Scratch space and precomputed norms shared by every step of one kmeans() call.
struct Lloyd {
  const float* x;
  int n, d, k;
  std::vector<float> x_norms;  // (N)   ‖x_i‖², fixed for the whole run
  std::vector<float> dots;     // (N,K) x_i · c_j
  std::vector<float> nearest;  // (N)   squared distance to the assigned centroid

  Lloyd(const float* x_, int n_, int d_, int k_)
      : x(x_), n(n_), d(d_), k(k_), x_norms(squared_row_norms(x_, n_, d_)), dots(size_t(n_) * k_), nearest(n_) {}

  // Assignment step (2) via eq. (4). Returns true if any point changed cluster.
  bool assign(const float* centroids, std::vector<int>& assignment) {
    const std::vector<float> c_norms = squared_row_norms(centroids, k, d);
    gemm(Layout::NT, n, k, d, x, centroids, dots.data(), false);  // dots = X·Cᵀ  (N,D)·(D,K)
    bool changed = false;
    for (int i = 0; i < n; ++i) {
      int best = 0;
      float best_dist = std::numeric_limits<float>::infinity();
      for (int j = 0; j < k; ++j) {
        const float dist = x_norms[i] - 2.0f * dots[size_t(i) * k + j] + c_norms[j];
        if (dist < best_dist) best_dist = dist, best = j;
      }
      nearest[i] = std::max(best_dist, 0.0f);
      if (assignment[i] != best) assignment[i] = best, changed = true;
    }
    return changed;
  }

  // Update step (3): each centroid moves to the mean of its points. A cluster that lost
  // all its points has no mean; we restart it at the point worst served by its centroid
  // (largest squared distance), which lowers J most of any single point we could take,
  // and the next assignment step gives that point to it.
  void update(const std::vector<int>& assignment, float* centroids) {
    // One task per cluster: each scans the assignment and sums its own points' rows in
    // double, so threads never write to the same memory.
    std::vector<int> counts(k, 0);
    parallel_for(k, [&](int j) {
      std::vector<double> sum(d, 0.0);
      for (int i = 0; i < n; ++i) {
        if (assignment[i] != j) continue;
        const float* row = x + size_t(i) * d;
        for (int t = 0; t < d; ++t) sum[t] += row[t];
        ++counts[j];
      }
      if (counts[j] > 0)
        for (int t = 0; t < d; ++t) centroids[size_t(j) * d + t] = float(sum[t] / counts[j]);
    });
    std::vector<int> by_distance;  // points, farthest first; built only if needed
    size_t next_far = 0;
    for (int j = 0; j < k; ++j) {
      if (counts[j] > 0) continue;
      if (by_distance.empty()) {
        by_distance.resize(n);
        std::iota(by_distance.begin(), by_distance.end(), 0);
        std::stable_sort(by_distance.begin(), by_distance.end(),
                         [&](int a, int b) { return nearest[a] > nearest[b]; });
      }
      const float* far = x + size_t(by_distance[next_far++]) * d;  // each empty cluster takes its own point
      std::copy(far, far + d, centroids + size_t(j) * d);
    }
  }

  // Inertia (1) from plain differences, in double.
  double inertia(const float* centroids, const std::vector<int>& assignment) const {
    double j = 0.0;
    for (int i = 0; i < n; ++i)
      j += squared_distance(x + size_t(i) * d, centroids + size_t(assignment[i]) * d, d);
    return j;
  }

  // Alternates (2) and (3) from the given centroids. We stop right after an assignment
  // step, so on return every point sits with its nearest centroid; if it stopped because
  // nothing changed, the centroids are also the means of their points — a fixed point
  // of both steps.
  KMeansResult run(Tensor centroids, int max_iter) {
    KMeansResult r;
    r.assignment.assign(n, -1);  // -1: the first step counts as a change
    for (;;) {
      const bool changed = assign(centroids.data(), r.assignment);
      ++r.iterations;
      if (!changed || r.iterations == max_iter) break;
      update(r.assignment, centroids.data());
    }
    r.inertia = inertia(centroids.data(), r.assignment);
    r.centroids = centroids;
    return r;
  }
};

void check_max_iter(const char* fn, int max_iter) {
  if (max_iter < 1)
    throw std::invalid_argument(std::string(fn) + ": max_iter must be at least 1, got " + std::to_string(max_iter));
}

}  // namespace

Tensor kmeans_plus_plus(const Tensor& x, int k, Rng& rng) {
  check_data("kmeans_plus_plus", x);
  check_k("kmeans_plus_plus", x, k);
  Tensor centroids = Tensor::empty({k, x.cols()});
  seed_plus_plus("kmeans_plus_plus", x.data(), x.rows(), x.cols(), k, rng, centroids.data());
  return centroids;
}

double assign_to_centroids(const Tensor& x, const Tensor& centroids, std::vector<int>& assignment) {
  check_data("assign_to_centroids", x);
  check_centroids("assign_to_centroids", x, centroids);
  Lloyd lloyd(x.data(), x.rows(), x.cols(), centroids.rows());
  assignment.assign(x.rows(), -1);
  lloyd.assign(centroids.data(), assignment);
  return lloyd.inertia(centroids.data(), assignment);
}

KMeansResult kmeans_from(const Tensor& x, const Tensor& initial_centroids, int max_iter) {
  check_data("kmeans_from", x);
  check_centroids("kmeans_from", x, initial_centroids);
  check_k("kmeans_from", x, initial_centroids.rows());
  check_max_iter("kmeans_from", max_iter);
  Lloyd lloyd(x.data(), x.rows(), x.cols(), initial_centroids.rows());
  return lloyd.run(initial_centroids.clone(), max_iter);  // clone: the caller's tensor stays as it was
}

KMeansResult kmeans(const Tensor& x, int k, Rng& rng, const KMeansOptions& options) {
  check_data("kmeans", x);
  check_k("kmeans", x, k);
  if (options.n_init < 1)
    throw std::invalid_argument("kmeans: n_init (restarts) must be at least 1, got " + std::to_string(options.n_init));
  check_max_iter("kmeans", options.max_iter);

  const int n = x.rows(), d = x.cols();
  Lloyd lloyd(x.data(), n, d, k);
  KMeansResult best;
  best.inertia = std::numeric_limits<double>::infinity();
  for (int restart = 0; restart < options.n_init; ++restart) {
    Tensor seeds = Tensor::empty({k, d});
    seed_plus_plus("kmeans", x.data(), n, d, k, rng, seeds.data());
    KMeansResult r = lloyd.run(seeds, options.max_iter);
    if (r.inertia < best.inertia) best = std::move(r);  // strict: on a tie the earlier restart wins
  }
  return best;
}

Tensor normalize_rows(const Tensor& x) {
  check_2d("normalize_rows", x, "x");
  Tensor out = x.clone();
  const int N = x.rows(), D = x.cols();
  for (int n = 0; n < N; ++n) {
    float* row = out.data() + static_cast<size_t>(n) * D;
    double sq = 0.0;
    for (int d = 0; d < D; ++d) sq += double(row[d]) * row[d];
    if (sq == 0.0) continue;
    const float inv = static_cast<float>(1.0 / std::sqrt(sq));
    for (int d = 0; d < D; ++d) row[d] *= inv;
  }
  return out;
}

}  // namespace aet
