// ops_cluster.cpp — the soft assignment of Deep Embedded Clustering (Xie et al. 2016).
//
// One op rather than a chain of ops: the chain (pairwise distances, a power, a row
// normalisation) would store three (N,K) intermediates and a (N,K,Z) difference;
// this op saves only the (N,K) squared distances.
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/ops.h"

namespace aet {

// Student-t kernel between codes z (N,Z) and centroids μ (K,Z), normalised per row:
//   d_ij = ‖z_i − μ_j‖²,   u_ij = (1 + d_ij/α)^(−a),  a = (α+1)/2,   q_ij = u_ij / Σ_j' u_ij'
// q = softmax_j(s) with s_ij = log u_ij, so with dq given:
//   g_ij = ∂L/∂d_ij = q_ij (dq_ij − Σ_j' q_ij' dq_ij') · (−a / (α + d_ij))
//   dz_i += Σ_j 2 g_ij (z_i − μ_j)        dμ_j −= Σ_i 2 g_ij (z_i − μ_j)
Tensor student_t_assign(const Tensor& z, const Tensor& mu, float alpha) {
  check_2d("student_t_assign", z, "codes");
  check_2d("student_t_assign", mu, "centroids");
  if (z.cols() != mu.cols())
    throw std::invalid_argument("student_t_assign: codes " + shape_str(z.shape()) + " and centroids " +
                                shape_str(mu.shape()) + " need the same number of columns Z");
  if (!(alpha > 0.0f)) throw std::invalid_argument("student_t_assign: alpha must be > 0, got " + std::to_string(alpha));
  const int N = z.rows(), K = mu.rows(), Z = z.cols();
  const double a = 0.5 * (alpha + 1.0);
  Tensor q = Tensor::empty({N, K}), d2 = Tensor::empty({N, K});
  const float *X = z.data(), *M = mu.data();
  float *Q = q.data(), *D2 = d2.data();
  std::vector<double> u(K);
  for (int i = 0; i < N; ++i) {
    double total = 0.0;
    for (int j = 0; j < K; ++j) {
      double d = 0.0;
      for (int t = 0; t < Z; ++t) d += std::pow(double(X[i * Z + t]) - M[j * Z + t], 2);
      D2[i * K + j] = static_cast<float>(d);
      u[j] = std::pow(1.0 + d / alpha, -a);
      total += u[j];
    }
    for (int j = 0; j < K; ++j) Q[i * K + j] = static_cast<float>(u[j] / total);
  }
  record("student_t_assign", q, {z, mu}, [alpha, a](TapeEntry& e) {
    const Tensor &z = e.in[0], &mu = e.in[1];
    const int N = z.rows(), K = mu.rows(), Z = z.cols();
    const float *X = z.data(), *M = mu.data(), *Q = e.out.data(), *dQ = e.out.grad(), *D2 = e.saved.data();
    float* dX = z.requires_grad() ? e.in[0].grad() : nullptr;
    float* dM = mu.requires_grad() ? e.in[1].grad() : nullptr;
    for (int i = 0; i < N; ++i) {
      double qdq = 0.0;
      for (int j = 0; j < K; ++j) qdq += double(Q[i * K + j]) * dQ[i * K + j];
      for (int j = 0; j < K; ++j) {
        const double g = Q[i * K + j] * (dQ[i * K + j] - qdq) * (-a / (alpha + D2[i * K + j]));
        for (int t = 0; t < Z; ++t) {
          const float c = static_cast<float>(2.0 * g * (double(X[i * Z + t]) - M[j * Z + t]));
          if (dX) dX[i * Z + t] += c;
          if (dM) dM[j * Z + t] -= c;
        }
      }
    }
  }, d2);
  return q;
}

}  // namespace aet
