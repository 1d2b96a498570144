// losses.cpp — built from the ops, so their gradients are the ops' gradients.
#include "nn/losses.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace aet {

Tensor mse_loss(const Tensor& pred, const Tensor& target) { return mse(pred, target); }

Tensor bce_loss(const Tensor& logits, const Tensor& target) { return bce_with_logits(logits, target); }

Tensor cross_entropy_loss(const Tensor& logits, std::span<const int> labels) {
  return softmax_cross_entropy(logits, labels);
}

Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar) {
  check_same_shape("gaussian_kl", mu, logvar);
  const int N = mu.dim(0);
  // Σ (1 + lv − μ² − e^lv) over every element, then × (−½ / N).
  Tensor inner = add_scalar(logvar - square(mu) - aet::exp(logvar), 1.0f);
  return scale(sum(inner), -0.5f / static_cast<float>(N));
}

Tensor reparameterize(const Tensor& mu, const Tensor& logvar, Rng& rng) {
  check_same_shape("reparameterize", mu, logvar);
  Tensor eps = Tensor::randn(mu.shape(), rng);
  return mu + aet::exp(logvar * 0.5f) * eps;
}

Tensor dec_target(const Tensor& q) {
  check_2d("dec_target", q, "q");
  const int N = q.rows(), K = q.cols();
  const float* Q = q.data();
  std::vector<double> f(K, 0.0), row(K);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < K; ++j) f[j] += Q[size_t(i) * K + j];
  Tensor p = Tensor::empty({N, K});
  for (int i = 0; i < N; ++i) {
    double total = 0.0;
    for (int j = 0; j < K; ++j) total += row[j] = std::pow(double(Q[size_t(i) * K + j]), 2) / f[j];
    for (int j = 0; j < K; ++j) p.data()[size_t(i) * K + j] = static_cast<float>(row[j] / total);
  }
  return p;
}

Tensor dec_kl_loss(const Tensor& q, const Tensor& p) {
  check_same_shape("dec_kl_loss", q, p);
  check_2d("dec_kl_loss", q, "q");
  // KL = (Σ p log p − Σ p log q) / N. The first sum is a constant, taken in double with
  // 0 log 0 = 0 (a p that underflowed to 0 contributes nothing, rather than 0·(−∞)).
  double plogp = 0.0;
  for (float v : p.values()) {
    if (!(v >= 0.0f && v <= 1.0f))
      throw std::domain_error("dec_kl_loss: the target p holds " + std::to_string(v) +
                              ", outside [0,1]; build it with dec_target(q)");
    if (v > 0.0f) plogp += double(v) * std::log(double(v));
  }
  const float N = static_cast<float>(q.rows());
  return add_scalar(scale(sum(mul(p, aet::log(q))), -1.0f / N), static_cast<float>(plogp / N));
}

float accuracy(const Tensor& logits, std::span<const int> labels) {
  check_2d("accuracy", logits, "logits");
  const int N = logits.rows(), C = logits.cols();
  if (static_cast<int>(labels.size()) != N)
    throw std::invalid_argument("accuracy: " + std::to_string(N) + " rows of logits but " +
                                std::to_string(labels.size()) + " labels");
  int correct = 0;
  for (int n = 0; n < N; ++n) {
    const float* row = logits.data() + static_cast<size_t>(n) * C;
    correct += static_cast<int>(std::max_element(row, row + C) - row) == labels[n];
  }
  return static_cast<float>(correct) / static_cast<float>(N);
}

}  // namespace aet
