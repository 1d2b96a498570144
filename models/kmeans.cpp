// kmeans.cpp — k-means++ seeding, Lloyd iterations, restarts (see kmeans.h for eqs. 1–3).
//
// Where the time goes. The assignment step (2) needs all N·K squared distances. A triple
// loop costs N·K·D multiply-adds done one at a time; instead we expand the square,
//
//     ‖x_i − c_j‖² = ‖x_i‖² − 2 x_i·c_j + ‖c_j‖²,                             (4)
//
// so the only N·K·D work is the matrix of dot products X·Cᵀ (N,K), done by gemm, which is
// blocked and vectorised. ‖x_i‖² is computed once per call to kmeans(); ‖c_j‖² costs K·D
// per step. assign_to_centroids_naive() is the plain loop over eq. (2), kept as the
// reference the tests compare this path with.
//
// With K = 10 a step does only ~5 flops per byte of X it reads, so its speed is set by
// how much of X travels through memory, not by the multiply-adds. Two things cut that:
//  - the step walks X in fixed blocks of kBlockRows points: gemm packs a block, multiplies
//    it and the block's nearest centroids are picked while it is still in cache; the
//    blocks are shared out over the threads (parallel_chunks);
//  - after the first few steps most points are provably still with their centroid
//    (Hamerly's bounds, see Lloyd::assign) and are not read at all.
// The update step (3) keeps per-cluster sums and moves only the points that changed
// cluster, split over columns so each thread owns its own part of every sum.
//
// Thread counts never change a result: blocks have fixed edges, every distance and every
// column sum is computed the same way whichever thread does it, and sums are added in
// point order. Eq. (4) subtracts large numbers, so in float a distance of exactly 0 may
// come out as ±1e-5; that only matters for near-ties between centroids, and we clamp at 0.
// The inertia we report is recomputed from the plain differences in double.
#include "models/kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "autograd/gemm.h"
#include "autograd/task.h"
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

// ‖a − b‖² for two vectors of length d, from the differences (no cancellation), in
// double. Four partial sums break the chain of dependent additions (a pass of seeding
// over X runs ~25% faster than with one); their order is fixed, so the result is too.
double squared_distance(const float* a, const float* b, int d) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  int t = 0;
  for (; t + 4 <= d; t += 4) {
    const double e0 = double(a[t]) - b[t], e1 = double(a[t + 1]) - b[t + 1];
    const double e2 = double(a[t + 2]) - b[t + 2], e3 = double(a[t + 3]) - b[t + 3];
    s0 += e0 * e0, s1 += e1 * e1, s2 += e2 * e2, s3 += e3 * e3;
  }
  for (; t < d; ++t) {
    const double e = double(a[t]) - b[t];
    s0 += e * e;
  }
  return (s0 + s1) + (s2 + s3);
}

// Points per block of the assignment step: a block of 256 points of 784 floats (800 KB)
// stays in L2 while gemm packs and multiplies it and we pick the nearest centroids. The
// edges are fixed (not one block per thread), so the result cannot depend on the thread
// count.
constexpr int kBlockRows = 256;

// X cut into blocks of kBlockRows points, each block stored transposed, (D,rows): the
// assignment step multiplies C (K,D) by a block, and gemm NN reads a (D,rows) operand
// with plain copies, while the (rows,D) original would need 8×8 transposes in every
// step. Made once per kmeans() call; X itself is never changed.
std::vector<float> transposed_blocks(const float* x, int n, int d) {
  std::vector<float> xt(size_t(n) * d);
  for (int begin = 0; begin < n; begin += kBlockRows) {
    const int rows = std::min(kBlockRows, n - begin);
    float* block = xt.data() + size_t(begin) * d;
    for (int i = 0; i < rows; ++i)
      for (int t = 0; t < d; ++t) block[size_t(t) * rows + i] = x[size_t(begin + i) * d + t];
  }
  return xt;
}

// Points per thread below which seeding's distance pass is not worth waking the threads.
constexpr size_t kMinParallelPoints = 1024;

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
    parallel_chunks(size_t(n), kMinParallelPoints, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i)
        closest[i] = std::min(closest[i], squared_distance(x + i * d, c, d));
    }, 1);

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
  std::vector<float> x_norms;   // (N)   ‖x_i‖², fixed for the whole run
  std::vector<double> x_len;    // (N)   ‖x_i‖
  std::vector<float> xt;        // (N,D) X as transposed blocks (transposed_blocks above)
  std::vector<float> nearest;   // (N)   squared distance to the assigned centroid
  std::vector<double> sums;     // (K,D) Σ of the points of each cluster, as of `previous`
  std::vector<int> counts;      // (K)   points in each cluster, as of `previous`
  std::vector<int> previous;    // (N)   the assignment the sums belong to (-1: none yet)
  std::vector<double> upper;    // (N)   ≥ ‖x_i − c_a(i)‖             (see skip_test below)
  std::vector<double> lower;    // (N)   ≤ ‖x_i − c_j‖ for every j ≠ a(i)
  std::vector<float> last;      // (K,D) the centroids the bounds refer to
  bool bounds_valid = false;

  Lloyd(const float* x_, int n_, int d_, int k_)
      : x(x_), n(n_), d(d_), k(k_), x_norms(squared_row_norms(x_, n_, d_)), x_len(n_),
        xt(transposed_blocks(x_, n_, d_)), nearest(n_), sums(size_t(k_) * d_), counts(k_), previous(n_),
        upper(n_), lower(n_), last(size_t(k_) * d_) {
    for (int i = 0; i < n; ++i) x_len[i] = std::sqrt(double(x_norms[i]));
  }

  // Assignment step (2) via eq. (4), one block of points at a time (see the top of this
  // file). Returns true if any point changed cluster.
  //
  // Most points stop moving after a few steps, and Hamerly's bounds (2010) prove it
  // without computing their distances: upper[i] bounds the distance to the assigned
  // centroid from above, lower[i] the distance to every other one from below. When the
  // centroids move by p_j, the triangle inequality keeps them bounds after
  //     upper[i] += p_a(i),   lower[i] −= max_{j ≠ a(i)} p_j.
  // Also ‖x_i − c_j‖ ≥ ‖c_a − c_j‖ − ‖x_i − c_a‖ ≥ 2 s_a − upper[i], where s_a is half the
  // distance from c_a to its nearest other centroid. So with z = max(lower, 2 s_a − upper)
  // every other centroid is at least z away. We skip the point only if z² exceeds upper²
  // by more than twice the worst float error E_i of eq. (4): then computing its distances
  // in float would pick a(i) again, so skipping never changes a result, only its cost.
  // E_i = (D + 4)·2⁻²³·(‖x_i‖ + max_j ‖c_j‖)², twice the textbook bound for a float dot
  // product of length D plus the three roundings of eq. (4) (Higham, "Accuracy and
  // Stability of Numerical Algorithms", §3.1).
  bool assign(const float* centroids, std::vector<int>& assignment, bool use_bounds) {
    use_bounds = use_bounds && bounds_valid;
    const std::vector<float> c_norms = squared_row_norms(centroids, k, d);
    double c_max = 0.0;
    for (float c : c_norms) c_max = std::max(c_max, std::sqrt(double(c)));
    const double err_scale = double(d + 4) * 0x1p-23;

    // Centroid moves p_j since the bounds were made, the largest two, and s_j.
    std::vector<double> moved(k, 0.0), half_gap(k, std::numeric_limits<double>::infinity());
    int j_max = 0;
    double p_max = 0.0, p_second = 0.0;
    if (use_bounds) {
      for (int j = 0; j < k; ++j) {
        moved[j] = std::sqrt(squared_distance(centroids + size_t(j) * d, last.data() + size_t(j) * d, d));
        if (moved[j] > p_max) p_second = p_max, p_max = moved[j], j_max = j;
        else p_second = std::max(p_second, moved[j]);
      }
      for (int j = 0; j < k; ++j)
        for (int l = j + 1; l < k; ++l) {
          const double half = 0.5 * std::sqrt(squared_distance(centroids + size_t(j) * d, centroids + size_t(l) * d, d));
          half_gap[j] = std::min(half_gap[j], half), half_gap[l] = std::min(half_gap[l], half);
        }
    }

    const int blocks = (n + kBlockRows - 1) / kBlockRows;
    std::vector<char> block_changed(blocks, 0);  // one flag per block: no two threads share one
    parallel_chunks(size_t(blocks), 2, [&](size_t first, size_t last_block) {
      std::vector<int> todo;         // points of the block whose distances we compute
      std::vector<float> gathered;   // (m,D) their rows, when they are not the whole block
      std::vector<float> dots;       // (K,m) c_j · x_i
      for (size_t b = first; b < last_block; ++b) {
        const int begin = int(b) * kBlockRows, rows = std::min(kBlockRows, n - begin);
        todo.clear();
        for (int i = begin; i < begin + rows; ++i) {
          if (use_bounds) {
            const int a = assignment[i];
            upper[i] += moved[a];
            lower[i] -= a == j_max ? p_second : p_max;
            const double z = std::max(lower[i], 2.0 * half_gap[a] - upper[i]);
            const double e = err_scale * (x_len[i] + c_max) * (x_len[i] + c_max);
            if (z > 0.0 && z * z > upper[i] * upper[i] + 2.0 * e) continue;  // a(i) stays: proven
          }
          todo.push_back(i);
        }
        const int m = int(todo.size());
        if (m == 0) continue;
        dots.resize(size_t(k) * m);
        if (m == rows) {  // the whole block: its transposed copy is ready, gemm NN reads it with copies
          gemm(Layout::NN, k, m, d, centroids, xt.data() + size_t(begin) * d, dots.data(), false);  // C·X_bᵀ
        } else {          // a few points: gather their rows, read only those
          gathered.resize(size_t(m) * d);
          for (int r = 0; r < m; ++r) std::copy_n(x + size_t(todo[r]) * d, d, gathered.data() + size_t(r) * d);
          gemm(Layout::NT, k, m, d, centroids, gathered.data(), dots.data(), false);  // C·X_todoᵀ  (K,m)
        }
        for (int r = 0; r < m; ++r) {
          const int i = todo[r];
          int best = 0;
          float best_dist = std::numeric_limits<float>::infinity(), second = best_dist;
          for (int j = 0; j < k; ++j) {
            const float dist = x_norms[i] - 2.0f * dots[size_t(j) * m + r] + c_norms[j];
            if (dist < best_dist) second = best_dist, best_dist = dist, best = j;
            else second = std::min(second, dist);
          }
          nearest[i] = std::max(best_dist, 0.0f);
          const double e = err_scale * (x_len[i] + c_max) * (x_len[i] + c_max);
          upper[i] = std::sqrt(std::max(double(best_dist) + e, 0.0));
          lower[i] = std::sqrt(std::max(double(second) - e, 0.0));  // k = 1: +inf, nothing to beat
          if (assignment[i] != best) assignment[i] = best, block_changed[b] = 1;
        }
      }
    }, 1);
    std::copy_n(centroids, size_t(k) * d, last.begin());
    bounds_valid = true;
    return std::find(block_changed.begin(), block_changed.end(), 1) != block_changed.end();
  }

  // True if some cluster has no point under `assignment`.
  bool has_empty_cluster(const std::vector<int>& assignment) const {
    std::vector<char> used(k, 0);
    for (int a : assignment) used[a] = 1;
    return std::find(used.begin(), used.end(), 0) != used.end();
  }

  // Update step (3): each centroid moves to the mean of its points. The per-cluster sums
  // are kept from step to step and only the points that changed cluster are moved from
  // one sum to another: after the first few steps that is a handful of points, not N.
  // Sums are in double; for pixel data (multiples of 2^-31 below 2^16) every partial sum
  // is exact, so they equal sums recomputed from scratch bit for bit.
  void update(const std::vector<int>& assignment, float* centroids) {
    std::vector<int> moved;
    for (int i = 0; i < n; ++i)
      if (assignment[i] != previous[i]) moved.push_back(i);
    for (int i : moved) {
      if (previous[i] >= 0) --counts[previous[i]];
      ++counts[assignment[i]];
    }
    // Each thread owns a range of columns [lo, hi) of every sum and moves the points in
    // point order: no two threads write the same memory, and the rounding is the same on
    // any thread count.
    parallel_chunks(size_t(d), 64, [&](size_t lo, size_t hi) {
      for (int i : moved) {
        const float* row = x + size_t(i) * d;
        if (previous[i] >= 0) {
          double* from = sums.data() + size_t(previous[i]) * d;
          for (size_t t = lo; t < hi; ++t) from[t] -= row[t];
        }
        double* to = sums.data() + size_t(assignment[i]) * d;
        for (size_t t = lo; t < hi; ++t) to[t] += row[t];
      }
      for (int j = 0; j < k; ++j) {
        double* sum = sums.data() + size_t(j) * d;
        if (counts[j] == 0)  // an empty cluster's sum is exactly 0, not what round-off left
          std::fill(sum + lo, sum + hi, 0.0);
        else
          for (size_t t = lo; t < hi; ++t) centroids[size_t(j) * d + t] = float(sum[t] / counts[j]);
      }
    });
    previous = assignment;
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

  // Inertia (1) from plain differences, in double: the points' distances in parallel,
  // their sum in point order.
  double inertia(const float* centroids, const std::vector<int>& assignment) const {
    std::vector<double> dist(n);
    parallel_chunks(size_t(n), kMinParallelPoints, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i)
        dist[i] = squared_distance(x + i * d, centroids + size_t(assignment[i]) * d, d);
    }, 1);
    return std::accumulate(dist.begin(), dist.end(), 0.0);
  }

  // Alternates (2) and (3) from the given centroids. We stop right after an assignment
  // step, so on return every point sits with its nearest centroid; if it stopped because
  // nothing changed, the centroids are also the means of their points — a fixed point
  // of both steps.
  KMeansResult run(Tensor centroids, int max_iter) {
    KMeansResult r;
    r.assignment.assign(n, -1);  // -1: the first step counts as a change
    previous.assign(n, -1);      // and the first update sums every point
    counts.assign(k, 0);
    std::fill(sums.begin(), sums.end(), 0.0);
    bounds_valid = false;
    for (;;) {
      const bool changed = assign(centroids.data(), r.assignment, /*use_bounds=*/true);
      ++r.iterations;
      if (!changed || r.iterations == max_iter) break;
      // An empty cluster restarts at the point farthest from its centroid (update), which
      // needs every point's distance: the points skipped above have none, so recompute
      // them all. The assignment comes out the same (see assign).
      if (has_empty_cluster(r.assignment)) assign(centroids.data(), r.assignment, /*use_bounds=*/false);
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
  lloyd.assign(centroids.data(), assignment, /*use_bounds=*/false);
  return lloyd.inertia(centroids.data(), assignment);
}

double assign_to_centroids_naive(const Tensor& x, const Tensor& centroids, std::vector<int>& assignment) {
  check_data("assign_to_centroids_naive", x);
  check_centroids("assign_to_centroids_naive", x, centroids);
  const int n = x.rows(), d = x.cols(), k = centroids.rows();
  assignment.assign(n, 0);
  double inertia = 0.0;
  // TASK 2.1 BEGIN: eq. (2), a(i) = argmin_j ‖x_i − c_j‖² (lowest j on a tie); return J of eq. (1)
  for (int i = 0; i < n; ++i) {
    double best_dist = std::numeric_limits<double>::infinity();
    for (int j = 0; j < k; ++j) {
      const double dist = squared_distance(x.data() + size_t(i) * d, centroids.data() + size_t(j) * d, d);
      if (dist < best_dist) best_dist = dist, assignment[i] = j;
    }
    inertia += best_dist;
  }
  return inertia;
  // TASK 2.1 STUB
  // (void)n, (void)d, (void)k, (void)inertia;
  // task_not_done("2.1", "write the K-Means assignment step, assign_to_centroids_naive, in models/kmeans.cpp");
  // TASK 2.1 END
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
