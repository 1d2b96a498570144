// gmm.h — a Gaussian mixture fitted by expectation–maximisation (EM).
//
// K-Means (kmeans.h) gives every cluster the same round shape and every point one
// cluster. A Gaussian mixture lets each cluster j have its own weight π_j, mean μ_j
// and covariance Σ_j, and gives each point a probability of belonging to each:
//
//     p(x) = Σ_j π_j N(x; μ_j, Σ_j)                                          (1)
//
// EM (Dempster, Laird & Rubin 1977) alternates two steps, each of which can only
// raise the log-likelihood ℓ = Σ_i log p(x_i):
//   E-step: responsibilities r_ij = π_j N(x_i; μ_j, Σ_j) / p(x_i)            (2)
//   M-step: N_j = Σ_i r_ij,  π_j = N_j / N,  μ_j = Σ_i r_ij x_i / N_j,
//           Σ_j = Σ_i r_ij (x_i − μ_j)(x_i − μ_j)ᵀ / N_j + λI                 (3)
// Densities in D = 10 dimensions are far below float's range, so (2) is computed in
// log space with log-sum-exp, in double. λ (reg_covar) is a floor under every
// variance: a component that collapses onto one point would otherwise get Σ → 0 and
// ℓ → ∞ (then NaN). It is scikit-learn's reg_covar and default.
//
// The covariance is full (D×D per component) or diagonal (D variances: the axes of
// each ellipsoid are the coordinate axes). The start is k-means++ (kmeans.h): each
// point is given to its nearest seed, then one M-step.
//
// Shapes: x (N,D); means (K,D); covariances (K,D,D) full or (K,D) diagonal; weights (K).
#pragma once
#include <vector>

#include "autograd/random.h"
#include "autograd/tensor.h"

namespace aet {

enum class Covariance { Full, Diagonal };

struct GmmOptions {
  Covariance covariance = Covariance::Full;
  int max_iter = 100;      // EM iterations (E-step + M-step)
  double tol = 1e-6;       // stop when the mean log-likelihood per point rises less than this
  double reg_covar = 1e-6; // λ of (3), added to every variance; >= 0
  int n_init = 1;          // restarts from fresh k-means++ seeds; the highest ℓ wins
};

struct GaussianMixture {
  Covariance covariance = Covariance::Full;
  Tensor weights;      // (K) π_j
  Tensor means;        // (K,D)
  Tensor covariances;  // (K,D,D) or (K,D)
  int components() const { return means.rows(); }
  int dim() const { return means.cols(); }
};

struct GmmFit {
  GaussianMixture model;
  std::vector<int> assignment;          // (N) the most responsible component of each point
  std::vector<double> log_likelihood;   // mean ℓ/N after each E-step, in nats per point
  int iterations = 0;
  bool converged = false;
};

// Fits a K-component mixture to the rows of x. Throws std::invalid_argument when x is
// not 2-d or holds a NaN or infinity, k is not in [1, N], the data has fewer than k
// distinct points, or an option is out of range. The E-step runs over the thread pool
// one row per point; every sum is over points in order, so the result does not depend
// on the thread count.
GmmFit fit_gmm(const Tensor& x, int k, Rng& rng, const GmmOptions& options = {});

// log r_ij of (2) for new points x (N,D): (N,K). Also returns ℓ_i = log p(x_i) in
// per_point_log_likelihood when it is not null. Throws if D does not match the model.
Tensor gmm_log_responsibilities(const GaussianMixture& model, const Tensor& x,
                                std::vector<double>* per_point_log_likelihood = nullptr);

// argmax_j r_ij for each row of x.
std::vector<int> gmm_predict(const GaussianMixture& model, const Tensor& x);

}  // namespace aet
