// pca.cpp — covariance by gemm, top-k eigenvectors by subspace iteration (see pca.h).
//
// Cost on Fashion-MNIST (N=10 000, D=784, k ≤ 10). The covariance (1) is one gemm,
// X̄ᵀX̄, of 2·N·D² ≈ 12 GFLOP — the bulk of the time. A full eigendecomposition of the
// (D,D) matrix would cost O(D³) per Jacobi sweep and many sweeps; we only want k
// eigenvectors, so we use subspace iteration with Rayleigh–Ritz (Golub & Van Loan,
// "Matrix Computations", §8.2.4 and §8.1.4). Keep p = k + 10 orthonormal columns Q:
//
//     Z = Σ Q                    (D,p)  one gemm, 2·D²·p flops
//     T = Qᵀ Z = Qᵀ Σ Q          (p,p)  Σ seen from inside span(Q)
//     T = S Θ Sᵀ                        small eigenproblem (Jacobi, below)
//     V = Q S,  ΣV = Z S                Ritz vectors and their images
//     Q ← orthonormalise(Z S)           one step of power iteration on the whole block
//
// Power iteration shrinks the part of column j outside the top-p eigenspace by
// λ_{p+1}/λ_j per step, so the extra 10 columns make the top-k converge fast even when
// λ_k and λ_{k+1} are close. We stop when every wanted Ritz pair (θ_j, v_j) has residual
// ‖Σ v_j − θ_j v_j‖ below a small fraction of λ_1. The gemm runs in float; the small
// dense work (Gram–Schmidt, T, Jacobi) runs in double.
#include "models/pca.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "autograd/gemm.h"
#include "autograd/thread_pool.h"

namespace aet {
namespace {

constexpr int kOversample = 10;        // p = k + 10 columns, as in randomised SVD practice
constexpr int kMaxIterations = 300;    // a safety cap; Fashion-MNIST needs a few dozen
constexpr double kResidualTol = 1e-5;  // relative to λ_1; float gemm noise is ~1e-6
constexpr size_t kMinParallelRows = 1024;  // fewer rows are centred on the calling thread

void check_finite(const char* fn, const Tensor& x) {
  const float* p = x.data();
  const int d = x.cols();
  for (size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(p[i]))
      throw std::invalid_argument(std::string(fn) + ": data holds a non-finite value (NaN or infinity) at row " +
                                  std::to_string(i / d) + ", column " + std::to_string(i % d));
}

// Modified Gram–Schmidt on the columns of a row-major (rows,cols) matrix, done twice
// ("twice is enough": one pass loses orthogonality when columns are nearly parallel).
// A column that is exactly dependent on the earlier ones (e.g. Σ Q = 0 when the data
// has less rank than p) is replaced by a random direction and orthogonalised again,
// so Q always has orthonormal columns.
void orthonormalize_columns(std::vector<double>& a, int rows, int cols, Rng& rng) {
  auto at = [&](int r, int c) -> double& { return a[size_t(r) * cols + c]; };
  for (int j = 0; j < cols; ++j) {
    for (;;) {
      for (int pass = 0; pass < 2; ++pass)
        for (int i = 0; i < j; ++i) {
          double proj = 0.0;
          for (int r = 0; r < rows; ++r) proj += at(r, i) * at(r, j);
          for (int r = 0; r < rows; ++r) at(r, j) -= proj * at(r, i);
        }
      double norm = 0.0;
      for (int r = 0; r < rows; ++r) norm += at(r, j) * at(r, j);
      norm = std::sqrt(norm);
      if (norm > 0.0) {
        for (int r = 0; r < rows; ++r) at(r, j) /= norm;
        break;
      }
      for (int r = 0; r < rows; ++r) at(r, j) = rng.normal();
    }
  }
}

// c (m,n) = a (m,l) · b (l,n), all row-major doubles; for the small products only.
std::vector<double> matmul_small(const std::vector<double>& a, const std::vector<double>& b, int m, int l, int n) {
  std::vector<double> c(size_t(m) * n, 0.0);
  for (int i = 0; i < m; ++i)
    for (int t = 0; t < l; ++t) {
      const double ait = a[size_t(i) * l + t];
      for (int j = 0; j < n; ++j) c[size_t(i) * n + j] += ait * b[size_t(t) * n + j];
    }
  return c;
}

}  // namespace

// Cyclic Jacobi (Golub & Van Loan §8.5.2–8.5.3). Each rotation J(p,q,θ) is chosen so that
// B = Jᵀ A J has b_pq = 0; it leaves the eigenvalues alone and moves the weight of the
// off-diagonal (p,q) pair onto the diagonal, so off(A)² = Σ_{i≠j} a_ij² falls by 2·a_pq²
// each time. Sweeping over all pairs until off(A) is negligible leaves A ≈ diag(λ) and
// the product of the rotations V holds the eigenvectors as columns: A_0 = V diag(λ) Vᵀ.
SymmetricEigen jacobi_eigen(std::vector<double> a, int n) {
  if (n < 1 || a.size() != size_t(n) * n)
    throw std::invalid_argument("jacobi_eigen: expected an (n,n) matrix with n >= 1, got " +
                                std::to_string(a.size()) + " values for n = " + std::to_string(n));
  auto A = [&](int r, int c) -> double& { return a[size_t(r) * n + c]; };
  for (int i = 0; i < n; ++i)  // use the symmetric part, so round-off asymmetry cannot hurt
    for (int j = i + 1; j < n; ++j) A(i, j) = A(j, i) = 0.5 * (A(i, j) + A(j, i));
  std::vector<double> v(size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i) v[size_t(i) * n + i] = 1.0;

  double total = 0.0;  // ‖A‖_F², unchanged by rotations: the yardstick for "negligible"
  for (double x : a) total += x * x;

  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0;
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j) off += 2.0 * A(i, j) * A(i, j);
    if (off <= 1e-30 * total || off == 0.0) break;

    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) {
        if (A(p, q) == 0.0) continue;
        // The 2×2 symmetric Schur decomposition: with θ = (a_qq − a_pp) / (2 a_pq),
        // t = tan of the angle solves t² + 2θt − 1 = 0; take the smaller root (|angle| ≤ π/4)
        // for stability. c = cos, s = sin.
        const double theta = (A(q, q) - A(p, p)) / (2.0 * A(p, q));
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (int r = 0; r < n; ++r) {  // A ← A J  (columns p and q)
          const double arp = A(r, p), arq = A(r, q);
          A(r, p) = c * arp - s * arq;
          A(r, q) = s * arp + c * arq;
        }
        for (int r = 0; r < n; ++r) {  // A ← Jᵀ A  (rows p and q)
          const double apr = A(p, r), aqr = A(q, r);
          A(p, r) = c * apr - s * aqr;
          A(q, r) = s * apr + c * aqr;
        }
        for (int r = 0; r < n; ++r) {  // V ← V J
          const double vrp = v[size_t(r) * n + p], vrq = v[size_t(r) * n + q];
          v[size_t(r) * n + p] = c * vrp - s * vrq;
          v[size_t(r) * n + q] = s * vrp + c * vrq;
        }
      }
  }

  // Sort eigenpairs by descending eigenvalue (stable, so equal values keep their order).
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int i, int j) { return A(i, i) > A(j, j); });
  SymmetricEigen out;
  out.values.resize(n);
  out.vectors.resize(size_t(n) * n);
  for (int j = 0; j < n; ++j) {
    out.values[j] = A(order[j], order[j]);
    for (int r = 0; r < n; ++r) out.vectors[size_t(r) * n + j] = v[size_t(r) * n + order[j]];
  }
  return out;
}

Pca fit_pca(const Tensor& x, int k, Rng& rng) {
  if (!x.defined())
    throw std::invalid_argument("fit_pca: the data tensor is empty (undefined); pass an (N,D) tensor, one point per row");
  if (x.ndim() != 2)
    throw std::invalid_argument("fit_pca: data must be 2-d (N points, D features), got shape " +
                                shape_str(x.shape()) + "; flatten images to rows first");
  const int n = x.rows(), d = x.cols();
  if (n < 2)
    throw std::invalid_argument("fit_pca: a covariance needs at least 2 points, got N = " + std::to_string(n));
  if (k < 1 || k > d)
    throw std::invalid_argument("fit_pca: k = " + std::to_string(k) + " components requested, but it must be between 1 and D = " +
                                std::to_string(d) + " (the number of columns)");
  check_finite("fit_pca", x);

  Pca pca;
  // μ, then the centred copy X̄ (N,D). Both passes over X are split over the threads: the
  // mean by columns (each column summed in row order, whichever thread does it), the
  // centring by rows, so the result is the same on any thread count.
  std::vector<double> mean(d, 0.0);
  const float* xp = x.data();
  parallel_chunks(size_t(d), 64, [&](size_t lo, size_t hi) {
    for (int i = 0; i < n; ++i)
      for (size_t t = lo; t < hi; ++t) mean[t] += xp[size_t(i) * d + t];
  });
  for (double& m : mean) m /= n;
  pca.mean = Tensor::empty({1, d});
  for (int t = 0; t < d; ++t) pca.mean.data()[t] = float(mean[t]);
  std::vector<float> centred(x.size());
  parallel_chunks(size_t(n), kMinParallelRows, [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i)
      for (int t = 0; t < d; ++t) centred[i * d + t] = float(xp[i * d + t] - mean[t]);
  }, 1);

  // Eq. (1): Σ = X̄ᵀ X̄ / (N − 1), via gemm TN (A = X̄ stored (N,D), read transposed).
  std::vector<float> cov(size_t(d) * d);
  gemm(Layout::TN, d, d, n, centred.data(), centred.data(), cov.data(), false);
  const float scale = 1.0f / float(n - 1);
  for (float& c : cov) c *= scale;
  centred = {};  // the largest buffer; not needed any more
  for (int t = 0; t < d; ++t) pca.total_variance += cov[size_t(t) * d + t];

  // Subspace iteration (see the top of this file). q and z are (D,p) row-major.
  const int p = std::min(d, k + kOversample);
  std::vector<double> q(size_t(d) * p);
  for (double& e : q) e = rng.normal();
  orthonormalize_columns(q, d, p, rng);
  std::vector<float> q_f(q.size()), z_f(q.size());
  std::vector<double> ritz_vectors;  // (D,p) V = Q S from the last iteration
  std::vector<double> ritz_values;   // (p)   θ, descending

  for (int iter = 0; iter < kMaxIterations; ++iter) {
    std::copy(q.begin(), q.end(), q_f.begin());
    gemm(Layout::NN, d, p, d, cov.data(), q_f.data(), z_f.data(), false);  // Z = Σ Q
    const std::vector<double> z(z_f.begin(), z_f.end());

    std::vector<double> t(size_t(p) * p, 0.0);  // T = Qᵀ Z  (p,p)
    for (int r = 0; r < d; ++r)
      for (int i = 0; i < p; ++i)
        for (int j = 0; j < p; ++j) t[size_t(i) * p + j] += q[size_t(r) * p + i] * z[size_t(r) * p + j];
    SymmetricEigen small = jacobi_eigen(std::move(t), p);

    ritz_vectors = matmul_small(q, small.vectors, d, p, p);           // V  = Q S
    std::vector<double> images = matmul_small(z, small.vectors, d, p, p);  // ΣV = Z S
    ritz_values = small.values;

    // Residuals of the k wanted pairs: ‖Σ v_j − θ_j v_j‖ ≤ tol · λ_1 for all of them?
    const double yardstick = kResidualTol * std::max(std::fabs(ritz_values[0]), 1e-30);
    bool converged = true;
    for (int j = 0; j < k && converged; ++j) {
      double r2 = 0.0;
      for (int r = 0; r < d; ++r) {
        const double e = images[size_t(r) * p + j] - ritz_values[j] * ritz_vectors[size_t(r) * p + j];
        r2 += e * e;
      }
      converged = std::sqrt(r2) <= yardstick;
    }
    if (converged || ritz_values[0] == 0.0) break;
    q = std::move(images);  // Q ← orthonormalise(Σ V): one more power step on the block
    orthonormalize_columns(q, d, p, rng);
  }

  // Keep the top k; fix each sign so the largest-magnitude entry is positive.
  pca.components = Tensor::empty({d, k});
  pca.explained_variance.resize(k);
  for (int j = 0; j < k; ++j) {
    int biggest = 0;
    for (int r = 1; r < d; ++r)
      if (std::fabs(ritz_vectors[size_t(r) * p + j]) > std::fabs(ritz_vectors[size_t(biggest) * p + j])) biggest = r;
    const double sign = ritz_vectors[size_t(biggest) * p + j] < 0 ? -1.0 : 1.0;
    for (int r = 0; r < d; ++r) pca.components.data()[size_t(r) * k + j] = float(sign * ritz_vectors[size_t(r) * p + j]);
    pca.explained_variance[j] = float(std::max(ritz_values[j], 0.0));  // tiny negatives are round-off
  }
  return pca;
}

Tensor Pca::transform(const Tensor& x) const {
  if (!components.defined())
    throw std::invalid_argument("Pca::transform: this Pca is empty; create it with fit_pca(x, k, rng) first");
  const int d = components.rows(), k = components.cols();
  if (!x.defined() || x.ndim() != 2 || x.cols() != d)
    throw std::invalid_argument("Pca::transform: input has shape " + (x.defined() ? shape_str(x.shape()) : std::string("(undefined)")) +
                                ", expected (N," + std::to_string(d) + ") like the data PCA was fitted on");
  // Eq. (2). We centre a copy rather than use x W − μ W: when the mean is large next to
  // the spread, the difference of those two products would lose most of its digits.
  const int n = x.rows();
  std::vector<float> centred(x.size());
  const float* xp = x.data();
  const float* mu = mean.data();
  parallel_chunks(size_t(n), kMinParallelRows, [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i)
      for (int t = 0; t < d; ++t) centred[i * d + t] = xp[i * d + t] - mu[t];
  }, 1);
  Tensor z = Tensor::empty({n, k});
  gemm(Layout::NN, n, k, d, centred.data(), components.data(), z.data(), false);  // (N,D)·(D,k)
  return z;
}

}  // namespace aet
