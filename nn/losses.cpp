// losses.cpp — built from the ops, so their gradients are the ops' gradients.
#include "nn/losses.h"

#include <algorithm>
#include <stdexcept>
#include <string>

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
