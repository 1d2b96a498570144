// gmm.cpp — EM for a Gaussian mixture, equations (1)–(3) of gmm.h, in double.
//
// The parameters live in plain double arrays while EM runs and become Tensors at the
// end. A full covariance is used through its Cholesky factor Σ = LLᵀ:
//   log N(x; μ, Σ) = −½ (D log 2π + log|Σ| + ‖y‖²),  L y = x − μ,  log|Σ| = 2 Σ_d log L_dd
// and a diagonal one is the special case L = diag(√σ²).
#include "models/gmm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

#include "autograd/thread_pool.h"
#include "models/kmeans.h"

namespace aet {

namespace {

struct Params {
  int K = 0, D = 0;
  bool full = true;
  std::vector<double> w, mu, cov;  // (K), (K,D), (K,D,D) or (K,D)
};

// Per component: the Cholesky factor (full) or the standard deviations (diagonal),
// and the constant −½ (D log 2π + log|Σ|) + log π_j.
struct Factors {
  std::vector<double> L;      // (K,D,D) lower triangle, or (K,D) σ_d
  std::vector<double> offset; // (K)
};

Factors factorise(const Params& p) {
  const int K = p.K, D = p.D;
  Factors f;
  f.L.assign(p.cov.size(), 0.0);
  f.offset.assign(K, 0.0);
  const double log2pi = std::log(2.0 * std::numbers::pi);
  for (int j = 0; j < K; ++j) {
    double logdet = 0.0;
    if (p.full) {
      const double* S = &p.cov[size_t(j) * D * D];
      double* L = &f.L[size_t(j) * D * D];
      for (int r = 0; r < D; ++r)
        for (int c = 0; c <= r; ++c) {
          double s = S[r * D + c];
          for (int t = 0; t < c; ++t) s -= L[r * D + t] * L[c * D + t];
          if (r == c) {
            if (!(s > 0.0))
              throw std::invalid_argument("fit_gmm: the covariance of component " + std::to_string(j) +
                                          " is singular (its points lie in a lower-dimensional "
                                          "subspace); raise reg_covar above 0");
            L[r * D + r] = std::sqrt(s);
            logdet += 2.0 * std::log(L[r * D + r]);
          } else {
            L[r * D + c] = s / L[c * D + c];
          }
        }
    } else {
      for (int d = 0; d < D; ++d) {
        const double v = p.cov[size_t(j) * D + d];
        if (!(v > 0.0))
          throw std::invalid_argument("fit_gmm: a variance of component " + std::to_string(j) +
                                      " is 0 (all its points share a coordinate); raise reg_covar above 0");
        f.L[size_t(j) * D + d] = std::sqrt(v);
        logdet += std::log(v);
      }
    }
    f.offset[j] = std::log(p.w[j]) - 0.5 * (D * log2pi + logdet);
  }
  return f;
}

// E-step (2): log r (N,K) into logr and ℓ_i into ll. One point per row, rows split over
// the threads; no sum crosses rows, so the thread count changes nothing.
void e_step(const Params& p, const Factors& f, const float* X, int N, std::vector<double>& logr,
            std::vector<double>& ll) {
  const int K = p.K, D = p.D;
  logr.resize(size_t(N) * K);
  ll.resize(N);
  parallel_chunks(size_t(N), 256, [&](size_t lo, size_t hi) {
    std::vector<double> y(D);
    for (size_t i = lo; i < hi; ++i) {
      const float* x = X + i * D;
      double* lr = &logr[i * K];
      for (int j = 0; j < K; ++j) {
        const double* m = &p.mu[size_t(j) * D];
        double q = 0.0;  // ‖L⁻¹(x − μ)‖² by forward substitution
        if (p.full) {
          const double* L = &f.L[size_t(j) * D * D];
          for (int r = 0; r < D; ++r) {
            double s = x[r] - m[r];
            for (int t = 0; t < r; ++t) s -= L[r * D + t] * y[t];
            y[r] = s / L[r * D + r];
            q += y[r] * y[r];
          }
        } else {
          const double* sd = &f.L[size_t(j) * D];
          for (int d = 0; d < D; ++d) {
            const double t = (x[d] - m[d]) / sd[d];
            q += t * t;
          }
        }
        lr[j] = f.offset[j] - 0.5 * q;
      }
      // log-sum-exp: subtract the largest term so that the largest exponential is 1.
      const double top = *std::max_element(lr, lr + K);
      double s = 0.0;
      for (int j = 0; j < K; ++j) s += std::exp(lr[j] - top);
      ll[i] = top + std::log(s);
      for (int j = 0; j < K; ++j) lr[j] -= ll[i];
    }
  }, 1);
}

// M-step (3) from log responsibilities. A component no point is responsible for keeps
// N_j = 10·ε instead of 0 (as scikit-learn does), so its mean stays finite and its
// covariance becomes λI. Components are independent, so they are split over the
// threads; each one's sums run over the points in order, whatever the thread count.
void m_step(Params& p, const float* X, int N, const std::vector<double>& logr, double reg) {
  const int K = p.K, D = p.D;
  parallel_chunks(size_t(K), 2, [&](size_t lo, size_t hi) {
    std::vector<double> r(N), c(D);
    for (size_t j = lo; j < hi; ++j) {
      double Nj = 10.0 * std::numeric_limits<double>::epsilon();
      double* m = &p.mu[j * D];
      std::fill(m, m + D, 0.0);
      for (int i = 0; i < N; ++i) {
        r[i] = std::exp(logr[size_t(i) * K + j]);
        Nj += r[i];
        for (int d = 0; d < D; ++d) m[d] += r[i] * X[size_t(i) * D + d];
      }
      p.w[j] = Nj / N;
      for (int d = 0; d < D; ++d) m[d] /= Nj;
      double* S = p.full ? &p.cov[j * D * D] : &p.cov[j * D];
      std::fill(S, S + (p.full ? D * D : D), 0.0);
      for (int i = 0; i < N; ++i) {
        for (int d = 0; d < D; ++d) c[d] = X[size_t(i) * D + d] - m[d];
        if (p.full) {
          for (int a = 0; a < D; ++a)
            for (int b = 0; b <= a; ++b) S[a * D + b] += r[i] * c[a] * c[b];
        } else {
          for (int d = 0; d < D; ++d) S[d] += r[i] * c[d] * c[d];
        }
      }
      if (p.full) {
        for (int a = 0; a < D; ++a) {
          for (int b = 0; b <= a; ++b) S[a * D + b] = S[b * D + a] = S[a * D + b] / Nj;
          S[a * D + a] += reg;
        }
      } else {
        for (int d = 0; d < D; ++d) S[d] = S[d] / Nj + reg;
      }
    }
  }, 1);
}

Params to_params(const GaussianMixture& g) {
  Params p;
  p.K = g.components();
  p.D = g.dim();
  p.full = g.covariance == Covariance::Full;
  for (float v : g.weights.values()) p.w.push_back(v);
  for (float v : g.means.values()) p.mu.push_back(v);
  for (float v : g.covariances.values()) p.cov.push_back(v);
  return p;
}

GaussianMixture to_model(const Params& p) {
  auto tensor = [](const Shape& s, const std::vector<double>& v) {
    return Tensor::from(s, std::vector<float>(v.begin(), v.end()));
  };
  GaussianMixture g;
  g.covariance = p.full ? Covariance::Full : Covariance::Diagonal;
  g.weights = tensor({p.K}, p.w);
  g.means = tensor({p.K, p.D}, p.mu);
  g.covariances = p.full ? tensor({p.K, p.D, p.D}, p.cov) : tensor({p.K, p.D}, p.cov);
  return g;
}

std::vector<int> argmax_rows(const std::vector<double>& logr, int N, int K) {
  std::vector<int> a(N);
  for (int i = 0; i < N; ++i) {
    const double* r = &logr[size_t(i) * K];
    a[i] = static_cast<int>(std::max_element(r, r + K) - r);
  }
  return a;
}

void check_points(const char* who, const Tensor& x) {
  if (!x.defined() || x.ndim() != 2)
    throw std::invalid_argument(std::string(who) + ": x must be a 2-d (N,D) tensor of N points, got " +
                                (x.defined() ? shape_str(x.shape()) : std::string("an empty tensor")));
  const float* X = x.data();
  for (size_t t = 0; t < x.size(); ++t)
    if (!std::isfinite(X[t]))
      throw std::invalid_argument(std::string(who) + ": x holds a NaN or infinity at row " +
                                  std::to_string(t / x.cols()) + ", column " + std::to_string(t % x.cols()));
}

}  // namespace

GmmFit fit_gmm(const Tensor& x, int k, Rng& rng, const GmmOptions& options) {
  check_points("fit_gmm", x);
  const int N = x.rows(), D = x.cols();
  if (k < 1 || k > N)
    throw std::invalid_argument("fit_gmm: k = " + std::to_string(k) + " components for " + std::to_string(N) +
                                " points; k must be in [1, N]");
  if (options.max_iter < 1 || options.n_init < 1)
    throw std::invalid_argument("fit_gmm: max_iter and n_init must be >= 1, got " +
                                std::to_string(options.max_iter) + " and " + std::to_string(options.n_init));
  if (!(options.reg_covar >= 0.0) || !(options.tol >= 0.0))
    throw std::invalid_argument("fit_gmm: reg_covar and tol must be >= 0");
  const float* X = x.data();
  GmmFit best;
  double best_ll = -std::numeric_limits<double>::infinity();
  for (int run = 0; run < options.n_init; ++run) {
    // Start: every point to its nearest k-means++ seed (hard responsibilities), one M-step.
    std::vector<int> nearest;
    try {
      assign_to_centroids(x, kmeans_plus_plus(x, k, rng), nearest);
    } catch (const std::invalid_argument& e) {  // e.g. fewer than k distinct points
      throw std::invalid_argument(std::string("fit_gmm: the k-means++ start failed: ") + e.what());
    }
    std::vector<double> logr(size_t(N) * k, -std::numeric_limits<double>::infinity());
    for (int i = 0; i < N; ++i) logr[size_t(i) * k + nearest[i]] = 0.0;
    Params p;
    p.K = k;
    p.D = D;
    p.full = options.covariance == Covariance::Full;
    p.w.assign(k, 0.0);
    p.mu.assign(size_t(k) * D, 0.0);
    p.cov.assign(p.full ? size_t(k) * D * D : size_t(k) * D, 0.0);
    m_step(p, X, N, logr, options.reg_covar);

    GmmFit fit;
    std::vector<double> ll;
    for (int it = 0; it < options.max_iter; ++it) {
      e_step(p, factorise(p), X, N, logr, ll);
      double mean_ll = 0.0;
      for (double v : ll) mean_ll += v;
      mean_ll /= N;
      fit.log_likelihood.push_back(mean_ll);
      fit.iterations = it + 1;
      if (it > 0 && mean_ll - fit.log_likelihood[it - 1] < options.tol) {
        fit.converged = true;
        break;
      }
      m_step(p, X, N, logr, options.reg_covar);
    }
    // The last E-step's responsibilities belong to the parameters p, so the returned
    // model, assignment and final ℓ agree with each other.
    if (run == 0 || fit.log_likelihood.back() > best_ll) {
      best_ll = fit.log_likelihood.back();
      fit.model = to_model(p);
      fit.assignment = argmax_rows(logr, N, k);
      best = std::move(fit);
    }
  }
  return best;
}

Tensor gmm_log_responsibilities(const GaussianMixture& model, const Tensor& x,
                                std::vector<double>* per_point_log_likelihood) {
  check_points("gmm_log_responsibilities", x);
  if (x.cols() != model.dim())
    throw std::invalid_argument("gmm_log_responsibilities: x has " + std::to_string(x.cols()) +
                                " columns but the mixture was fitted to " + std::to_string(model.dim()));
  const Params p = to_params(model);
  std::vector<double> logr, ll;
  e_step(p, factorise(p), x.data(), x.rows(), logr, ll);
  if (per_point_log_likelihood) *per_point_log_likelihood = ll;
  return Tensor::from({x.rows(), p.K}, std::vector<float>(logr.begin(), logr.end()));
}

std::vector<int> gmm_predict(const GaussianMixture& model, const Tensor& x) {
  const Tensor logr = gmm_log_responsibilities(model, x);
  const std::vector<double> r(logr.values().begin(), logr.values().end());
  return argmax_rows(r, x.rows(), model.components());
}

}  // namespace aet
