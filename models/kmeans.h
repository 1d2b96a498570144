// kmeans.h — K-Means clustering (Lloyd's algorithm with k-means++ seeding).
//
// Tutorial 2 clusters Fashion-MNIST three ways — raw pixels, PCA projections and an
// autoencoder's latent codes — and scores each against the true labels (nn/metrics.h).
// K-Means is the common clustering step. It minimises the inertia
//
//     J = Σ_i ‖x_i − c_{a(i)}‖²                                             (1)
//
// over the assignment a(i) ∈ {0..K−1} of each point and the K centroids c_j, by
// alternating two steps that each lower J (Lloyd, 1982):
//   assign:  a(i) = argmin_j ‖x_i − c_j‖²                                   (2)
//   update:  c_j  = mean of the points with a(i) = j                        (3)
// J can only fall and there are finitely many assignments, so this stops — but at a
// local minimum that depends on the starting centroids. Hence k-means++ seeding
// (Arthur & Vassilvitskii, 2007) and several restarts, keeping the lowest J.
//
// Shapes: x is (N,D), N points of D features; centroids are (K,D).
// Everything random draws from the Rng you pass, so a seed fixes the result.
#pragma once
#include <vector>

#include "autograd/random.h"
#include "autograd/tensor.h"

namespace aet {

struct KMeansOptions {
  int n_init = 5;      // restarts from fresh k-means++ seeds; the lowest inertia wins
  int max_iter = 300;  // Lloyd iterations per restart, if assignments keep changing
};

struct KMeansResult {
  std::vector<int> assignment;  // (N) cluster of each point, in [0, K)
  Tensor centroids;             // (K,D)
  double inertia = 0.0;         // J of eq. (1) for this assignment and these centroids
  int iterations = 0;           // assignment steps (2) run by the winning restart
};

// Clusters the rows of x (N,D) into k groups. Throws std::invalid_argument when
// x is not 2-d, holds a NaN or infinity, k is not in [1, N], the data has fewer
// than k distinct points, or an option is < 1.
KMeansResult kmeans(const Tensor& x, int k, Rng& rng, const KMeansOptions& options = {});

// Lloyd's iterations alone, from centroids you choose (K,D): no seeding, no restarts.
// For experiments such as "what do K random points do compared with k-means++?".
// Throws like kmeans(), and if the centroids do not have D columns.
KMeansResult kmeans_from(const Tensor& x, const Tensor& initial_centroids, int max_iter = 300);

// k-means++ seeding: the first centroid is a uniformly chosen point, each next one a
// point drawn with probability ∝ D(x)², its squared distance to the nearest centroid
// chosen so far. Returns (k,D). Same checks as kmeans().
Tensor kmeans_plus_plus(const Tensor& x, int k, Rng& rng);

// The assignment step (2) for given centroids (K,D): writes each row's nearest
// centroid into `assignment` (resized to N) and returns the inertia (1).
// Useful to place new points (e.g. a test set) into clusters found on training data.
double assign_to_centroids(const Tensor& x, const Tensor& centroids, std::vector<int>& assignment);

// The same step the plain way: every ‖x_i − c_j‖² from the differences, in double, one
// at a time. The reference the fast step above is tested against (they agree except on
// near-ties, where eq. (4)'s float rounding may pick the other centroid). Same checks.
double assign_to_centroids_naive(const Tensor& x, const Tensor& centroids, std::vector<int>& assignment);

// Each row divided by its length: x / ‖x‖ (a zero row stays zero). K-Means on unit
// vectors groups points by direction, i.e. by cosine similarity, and ignores how far
// from the origin they lie — for images and codes, mostly the amount of ink.
Tensor normalize_rows(const Tensor& x);

}  // namespace aet
