// pca.h — principal component analysis, the linear baseline of tutorial 2.
//
// PCA finds the k orthonormal directions along which the data varies most. With the
// mean μ and the covariance of the centred data X̄ = X − 1μ (N rows),
//
//     Σ = X̄ᵀ X̄ / (N − 1)                      (D,D), symmetric, positive semi-definite   (1)
//
// the directions are Σ's top-k eigenvectors w_1..w_k (Σ w_j = λ_j w_j, λ_1 ≥ λ_2 ≥ ...),
// and λ_j is the variance of the data along w_j. Projecting onto them,
//
//     z = (x − μ) W,       W = [w_1 … w_k]   (D,k)                                         (2)
//
// keeps as much variance as any k-dimensional linear map can (and gives the smallest
// squared reconstruction error, ‖x − μ − z Wᵀ‖²). An autoencoder with linear layers and
// MSE loss learns the same subspace (Baldi & Hornik, 1989), which is why tutorial 2
// compares the two: whatever the nonlinear encoder gains over PCA is what its
// nonlinearity buys.
//
// Only k of the D = 784 eigenvectors are needed, so we use subspace iteration rather
// than a full eigendecomposition; see pca.cpp.
#pragma once
#include <vector>

#include "autograd/random.h"
#include "autograd/tensor.h"

namespace aet {

struct Pca {
  Tensor mean;                            // (1,D)  μ
  Tensor components;                      // (D,k)  W: column j is the unit vector w_{j+1}
  std::vector<float> explained_variance;  // (k)    λ_1 ≥ … ≥ λ_k, as sklearn's explained_variance_
  double total_variance = 0.0;            // trace Σ = λ_1 + … + λ_D: divide to get the fraction kept

  // Eq. (2): x (N,D) -> z (N,k). Throws if x does not have D columns.
  Tensor transform(const Tensor& x) const;
};

// Fits PCA with k components to the rows of x (N,D). Each component's sign is fixed
// so that its largest-magnitude entry is positive (an eigenvector is only defined up
// to sign). Throws std::invalid_argument if x is not 2-d, has fewer than 2 rows, holds
// a NaN or infinity, or k is not in [1, D].
// Meant for k small next to D: on 10 000 × 784 pixels, k = 10 takes ~0.1 s and k = 50
// ~0.3 s; as k nears D the inner (k+10)×(k+10) Jacobi solve takes over (seconds).
Pca fit_pca(const Tensor& x, int k, Rng& rng);

// All eigenvalues and eigenvectors of a small symmetric matrix by the cyclic Jacobi
// method. a is (n,n) row-major; only its symmetric part is used. Returns values in
// descending order and vectors (n,n) row-major with column j the eigenvector of
// values[j]. O(n³) per sweep: meant for n up to a few dozen (fit_pca uses it on a
// (k+10)×(k+10) matrix); public so tests can check it directly.
struct SymmetricEigen {
  std::vector<double> values;
  std::vector<double> vectors;
};
SymmetricEigen jacobi_eigen(std::vector<double> a, int n);

}  // namespace aet
