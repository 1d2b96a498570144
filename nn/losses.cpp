// losses.cpp — built from the ops, so their gradients are the ops' gradients.
#include "nn/losses.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/task.h"
#include "autograd/thread_pool.h"

namespace aet {

Tensor mse_loss(const Tensor& pred, const Tensor& target) { return mse(pred, target); }

bool looks_like_probabilities(const Tensor& logits) {
  if (logits.size() < 4096) return false;
  return std::all_of(logits.data(), logits.data() + logits.size(), [](float v) { return v >= 0.0f && v <= 1.0f; });
}

Tensor bce_loss(const Tensor& logits, const Tensor& target) {
  // At its first steps a decoder's logits can sit in a narrow band around a positive bias,
  // inside [0, 1]: only a long streak of such batches, which training would have ended, is
  // taken for the mistake.
  static std::atomic<int> streak{0};
  static std::atomic<bool> warned{false};
  if (warned) return bce_with_logits(logits, target);
  streak = looks_like_probabilities(logits) ? streak + 1 : 0;
  if (streak >= kProbabilityStreak && !warned.exchange(true))
    fmt::print(stderr,
               "bce_loss: in {} batches in a row all logits {} lay in [0, 1]: did you pass sigmoid(logits)? "
               "bce_loss applies the sigmoid itself; give it the decoder's raw output (said once per run)\n",
               kProbabilityStreak, shape_str(logits.shape()));
  return bce_with_logits(logits, target);
}

Tensor cross_entropy_loss(const Tensor& logits, std::span<const int> labels) {
  return softmax_cross_entropy(logits, labels);
}

Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar) {
  check_same_shape("gaussian_kl", mu, logvar);
  const int N = mu.dim(0);
  // TASK 4.2 BEGIN: KL = −½ (1/N) Σ (1 + lv − μ² − e^lv), from ops so backward comes with it
  Tensor inner = add_scalar(logvar - square(mu) - aet::exp(logvar), 1.0f);
  return scale(sum(inner), -0.5f / static_cast<float>(N));
  // TASK 4.2 STUB
  // (void)N;
  // task_not_done("4.2", "implement gaussian_kl in nn/losses.cpp");
  // TASK 4.2 END
}

Tensor reparameterize(const Tensor& mu, const Tensor& logvar, Rng& rng) {
  check_same_shape("reparameterize", mu, logvar);
  // TASK 4.1 BEGIN: z = μ + σ ⊙ ε with σ = e^{lv/2}, ε ~ N(0, I) drawn from rng (shape of μ)
  Tensor eps = Tensor::randn(mu.shape(), rng);
  return mu + aet::exp(logvar * 0.5f) * eps;
  // TASK 4.1 STUB
  // (void)rng;
  // task_not_done("4.1", "implement reparameterize in nn/losses.cpp");
  // TASK 4.1 END
}

// log C(l) = log(l / tanh(l/2)) and its derivative 1/l − 1/sinh(l), in double.
// Near l = 0 both are 0/0 − like forms, so with u = l/2, for |l| < 0.1:
//   log C = log 2 + u²/3 − 7u⁴/90 + 62u⁶/2835 + O(u⁸)        (u⁸ term < 1e-13 there)
//   d/dl  = l/6 − 7l³/360 + 31l⁵/15120 + O(l⁷)
// Elsewhere, with a = |l|:  tanh(a/2) = (1 − e^−a)/(1 + e^−a), so
//   log C = log a + log1p(e^−a) − log(−expm1(−a)),  1/sinh(l) = sign(l)·2e^−a / (−expm1(−2a))
// which never subtracts nearly equal numbers for a >= 0.1 and never overflows.
static double cb_log_c(double l) {
  if (std::fabs(l) < 0.1) {
    const double u2 = 0.25 * l * l;
    return std::log(2.0) + u2 * (1.0 / 3.0 + u2 * (-7.0 / 90.0 + u2 * (62.0 / 2835.0)));
  }
  const double a = std::fabs(l);
  return std::log(a) + std::log1p(std::exp(-a)) - std::log(-std::expm1(-a));
}
static double cb_dlog_c(double l) {
  if (std::fabs(l) < 0.1) {
    const double l2 = l * l;
    return l * (1.0 / 6.0 + l2 * (-7.0 / 360.0 + l2 * (31.0 / 15120.0)));
  }
  const double a = std::fabs(l), inv_sinh = 2.0 * std::exp(-a) / -std::expm1(-2.0 * a);
  return 1.0 / l - (l > 0 ? inv_sinh : -inv_sinh);
}

// y = log C(l) element by element          dl += dy · (1/l − 1/sinh l)
Tensor cb_log_normalizer(const Tensor& logits) {
  Tensor y = Tensor::empty(logits.shape());
  for (size_t i = 0; i < logits.size(); ++i) y.data()[i] = static_cast<float>(cb_log_c(logits.data()[i]));
  record("cb_log_normalizer", y, {logits}, [](TapeEntry& e) {
    const float *L = e.in[0].data(), *dy = e.out.grad();
    float* dl = e.in[0].grad();
    for (size_t i = 0, n = e.in[0].size(); i < n; ++i) dl[i] += static_cast<float>(dy[i] * cb_dlog_c(L[i]));
  });
  return y;
}

Tensor continuous_bernoulli_loss(const Tensor& logits, const Tensor& target) {
  check_same_shape("continuous_bernoulli_loss", logits, target);
  const float N = static_cast<float>(logits.dim(0));
  return bce_with_logits(logits, target) - scale(sum(cb_log_normalizer(logits)), 1.0f / N);
}

Tensor continuous_bernoulli_mean(const Tensor& logits) {
  Tensor m = Tensor::empty(logits.shape());
  for (size_t i = 0; i < logits.size(); ++i) {
    const double l = logits.data()[i];
    // Below |l| = 1e-2 the two terms cancel to ~1e-14 of 1/l; the series' next term is −l³/720.
    m.data()[i] = static_cast<float>(std::fabs(l) < 1e-2 ? 0.5 + l / 12.0
                                                         : 1.0 / (1.0 + std::exp(-l)) / std::tanh(l / 2.0) - 1.0 / l);
  }
  return m;
}

Tensor pixel_nll(const Tensor& logits, const Tensor& target, PixelLikelihood likelihood) {
  return likelihood == PixelLikelihood::Bernoulli ? bce_loss(logits, target)
                                                  : continuous_bernoulli_loss(logits, target);
}

Tensor pixel_mean(const Tensor& logits, PixelLikelihood likelihood) {
  if (likelihood == PixelLikelihood::Bernoulli) return sigmoid(logits);
  return continuous_bernoulli_mean(logits);
}

Tensor dec_target(const Tensor& q) {
  check_2d("dec_target", q, "q");
  const int N = q.rows(), K = q.cols();
  const float* Q = q.data();
  for (size_t t = 0; t < q.size(); ++t)
    if (!(Q[t] > 0.0f && Q[t] <= 1.0f))
      throw std::domain_error("dec_target: q holds " + std::to_string(Q[t]) + " at row " + std::to_string(t / K) +
                              "; q must be a soft assignment with every entry in (0,1], as student_t_assign gives");
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

LogLikelihoodEstimate importance_log_likelihood(const Tensor& x, const Tensor& mu, const Tensor& logvar, int k,
                                                Rng& rng, const DecodeLogits& decode_logits,
                                                PixelLikelihood likelihood, int max_rows) {
  check_2d("importance_log_likelihood", x, "x");
  check_same_shape("importance_log_likelihood", mu, logvar);
  check_2d("importance_log_likelihood", mu, "mu");
  if (mu.rows() != x.rows())
    throw std::invalid_argument("importance_log_likelihood: x " + shape_str(x.shape()) + " and mu " +
                                shape_str(mu.shape()) + " need the same number of rows N");
  if (k < 1 || max_rows < 1)
    throw std::invalid_argument("importance_log_likelihood: k (samples per image) must be >= 1, got " +
                                std::to_string(k));
  for (size_t t = 0; t < x.size(); ++t)
    if (!(x.data()[t] >= 0.0f && x.data()[t] <= 1.0f))
      throw std::domain_error("importance_log_likelihood: pixel " + std::to_string(x.data()[t]) + " at row " +
                              std::to_string(t / x.cols()) + " is outside [0,1]");
  NoGrad no_grad;
  const int N = x.rows(), D = x.cols(), Z = mu.cols();
  const int S = std::min(k, max_rows);                // samples per chunk
  const int B = std::max(1, max_rows / S);            // images per chunk
  std::vector<std::vector<double>> logw(N);
  for (int i0 = 0; i0 < N; i0 += B) {
    const int i1 = std::min(N, i0 + B);
    for (auto& w : std::span(logw).subspan(i0, i1 - i0)) w.reserve(k);
    for (int s0 = 0; s0 < k; s0 += S) {
      const int ns = std::min(S, k - s0), R = (i1 - i0) * ns;
      std::vector<int> image(R);
      for (int r = 0; r < R; ++r) image[r] = i0 + r / ns;
      const Tensor eps = Tensor::randn({R, Z}, rng);
      Tensor z = Tensor::empty({R, Z});
      for (int r = 0; r < R; ++r)
        for (int j = 0; j < Z; ++j) {  // z = μ + σ ε, in float as reparameterize() does it
          const size_t a = size_t(image[r]) * Z + j, b = size_t(r) * Z + j;
          z.data()[b] = mu.data()[a] + std::exp(logvar.data()[a] * 0.5f) * eps.data()[b];
        }
      const Tensor logits = decode_logits(z, image);
      if (logits.ndim() != 2 || logits.rows() != R || logits.cols() != D)
        throw std::invalid_argument("importance_log_likelihood: the decoder gave logits " +
                                    shape_str(logits.shape()) + " for x " + shape_str(x.shape()));
      // One log weight per row, over the thread pool; each row writes only its own slot,
      // and they are appended in row order below, so threads do not change the result.
      std::vector<double> row_logw(R);
      parallel_chunks(size_t(R), 8, [&](size_t lo, size_t hi) {
        for (size_t r = lo; r < hi; ++r) {
          const float* l = logits.data() + size_t(r) * D;
          const float* xi = x.data() + size_t(image[r]) * D;
          double lw = 0.0;  // log p(x|z): −Σ_d [max(l,0) − l·x + log(1 + e^−|l|)]
          for (int d = 0; d < D; ++d)
            lw -= std::max(double(l[d]), 0.0) - double(l[d]) * xi[d] + std::log1p(std::exp(-std::fabs(double(l[d]))));
          if (likelihood == PixelLikelihood::ContinuousBernoulli)
            for (int d = 0; d < D; ++d) lw += cb_log_c(l[d]);
          for (int j = 0; j < Z; ++j) {  // + log p(z) − log q(z|x); the ½ log 2π cancel
            const double zj = z.data()[size_t(r) * Z + j], ej = eps.data()[size_t(r) * Z + j];
            lw += -0.5 * zj * zj + 0.5 * (double(logvar.data()[size_t(image[r]) * Z + j]) + ej * ej);
          }
          row_logw[r] = lw;
        }
      }, 1);
      for (int r = 0; r < R; ++r) logw[image[r]].push_back(row_logw[r]);
    }
  }
  LogLikelihoodEstimate est;
  est.per_image.resize(N);
  for (int i = 0; i < N; ++i) {  // log (1/k) Σ_s w_s by log-sum-exp
    const double top = *std::max_element(logw[i].begin(), logw[i].end());
    double sum_w = 0.0;
    for (double v : logw[i]) sum_w += std::exp(v - top);
    est.per_image[i] = top + std::log(sum_w) - std::log(double(k));
    est.mean += est.per_image[i] / N;
  }
  double ss = 0.0;
  for (double v : est.per_image) ss += (v - est.mean) * (v - est.mean);
  est.std_error = N > 1 ? std::sqrt(ss / (N - 1) / N) : 0.0;
  return est;
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
