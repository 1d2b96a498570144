// losses.h — the losses of the tutorials, with their conventions spelled out.
//
// Which reduction matters when you compare numbers with a paper or with PyTorch:
//   mse_loss            mean over every element (per pixel), like nn.MSELoss()
//   bce_loss            sum over each image's pixels, averaged over the batch:
//                       "nats per image", as the VAE literature reports it
//   cross_entropy_loss  mean over the batch, like nn.CrossEntropyLoss()
//   gaussian_kl         KL(N(μ,σ²) ‖ N(0,I)) summed over latent dims, averaged
//                       over the batch (nats per image, to add to bce_loss)
// All return a one-element tensor ready for backward().
#pragma once
#include <functional>
#include <span>
#include <vector>

#include "autograd/ops.h"

namespace aet {

Tensor mse_loss(const Tensor& pred, const Tensor& target);
// logits (N,D): the decoder's pre-sigmoid output; target (N,D) in [0,1]. Says once per run,
// on stderr, when the logits of kProbabilityStreak calls in a row look like probabilities.
inline constexpr int kProbabilityStreak = 200;
Tensor bce_loss(const Tensor& logits, const Tensor& target);
// A student's common mistake: sigmoid(logits) passed where a loss wants the logits, so the
// sigmoid is applied twice and the loss stalls near log 2 per pixel. True when at least
// 4 096 values all lie in [0, 1]. A fresh decoder's logits may (a narrow band around a
// positive bias), but a trained one's never do (background pixels go far below 0), so
// bce_loss speaks only after a long streak; small tensors are never flagged.
bool looks_like_probabilities(const Tensor& logits);
Tensor cross_entropy_loss(const Tensor& logits, std::span<const int> labels);
// KL = −½ Σ_j (1 + log σ²_j − μ²_j − σ²_j), per row, averaged over rows. mu, logvar (N,Z).
Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar);
// The reparameterization trick: z = μ + exp(½ log σ²) ⊙ ε with ε ~ N(0, I) from rng.
// ε is a constant to autograd, so gradients reach μ and log σ².
Tensor reparameterize(const Tensor& mu, const Tensor& logvar, Rng& rng);

// Which density p(x|z) the decoder's logits stand for: Bernoulli (bce_loss, not a density
// on [0,1] for grey pixels) or the continuous Bernoulli (continuous_bernoulli_loss).
enum class PixelLikelihood { Bernoulli, ContinuousBernoulli };

// ---- the continuous Bernoulli (Loaiza-Ganem & Cunningham, NeurIPS 2019) ----------------
// BCE on pixels in [0,1] treats them as coin flips; λ^x (1−λ)^(1−x) does not integrate
// to 1 over x ∈ [0,1]. The continuous Bernoulli multiplies it by the normaliser
//   C(λ) = 2 artanh(1 − 2λ) / (1 − 2λ)   (C(½) = 2),   in logits l (λ = σ(l)):  C = l / tanh(l/2)
// so that −log p(x|λ) = BCE(l, x) − log C(l) is a true density's negative log on [0,1].
// cb_log_normalizer(l) is log C element by element, (N,D) -> (N,D). At l = 0 (λ = ½)
// the formula is 0/0; there a Taylor series is used (see losses.cpp).
Tensor cb_log_normalizer(const Tensor& logits);
// (1/N) Σ_n Σ_d [BCE(l, x) − log C(l)]: nats per image, like bce_loss. May be negative:
// a density on [0,1] can exceed 1.
Tensor continuous_bernoulli_loss(const Tensor& logits, const Tensor& target);
// The mean of the continuous Bernoulli, E[x] = λ/(2λ−1) + 1/(2 artanh(1−2λ)), in logits
//   E[x] = σ(l)/tanh(l/2) − 1/l   (½ + l/12 near l = 0),
// element by element, (N,D) -> (N,D), no gradient. It is not λ: a decoder trained with
// this likelihood shows its images through E[x], for λ = σ(l) is pushed towards 0 and 1.
Tensor continuous_bernoulli_mean(const Tensor& logits);
// The reconstruction term a VAE is trained with: bce_loss or continuous_bernoulli_loss.
Tensor pixel_nll(const Tensor& logits, const Tensor& target, PixelLikelihood likelihood);
// The picture of x given the logits: σ(l) for the Bernoulli, E[x] for the continuous one.
Tensor pixel_mean(const Tensor& logits, PixelLikelihood likelihood);

// ---- Deep Embedded Clustering (Xie, Girshick & Farhadi 2016) ---------------------------
// q (N,K) is student_t_assign(z, μ) (autograd/ops.h). DEC sharpens it into a target
//   p_ij = (q_ij² / f_j) / Σ_j' (q_ij'² / f_j'),   f_j = Σ_i q_ij  (soft cluster sizes)
// Squaring favours confident assignments; dividing by f_j stops big clusters from
// swallowing the rest. p is computed from q's values without a gradient (a constant
// to autograd), as DEC does, and held fixed for a number of steps.
Tensor dec_target(const Tensor& q);
// KL(P ‖ Q) = Σ_ij p_ij log(p_ij / q_ij), summed over clusters and averaged over rows
// (PyTorch's kl_div(q.log(), p, reduction="batchmean")). Gradients reach q only.
Tensor dec_kl_loss(const Tensor& q, const Tensor& p);

// ---- the importance-weighted estimate of log p(x) (Burda, Grosse & Salakhutdinov 2016) --
// The negative ELBO only bounds −log p(x) from above. With k codes z_s ~ q(z|x),
//   log p(x) ≈ L_k = log (1/k) Σ_s w_s,   w_s = p(x|z_s) p(z_s) / q(z_s|x)
// is a lower bound too, but one that rises with k towards log p(x) (L_1 is the ELBO
// with a one-sample KL). p(z) = N(0,I), q = N(μ, σ²), p(x|z) Bernoulli with the decoder's
// logits, as in the VAE loss (or continuous Bernoulli: + log C(l) per pixel). Everything after the decoder is in double and the sum
// over s is a log-sum-exp, so w_s of e^−3000 are no trouble.
struct LogLikelihoodEstimate {
  double mean = 0.0;        // (1/N) Σ_i L_k(x_i), nats per image
  double std_error = 0.0;   // standard deviation of the L_k(x_i) over images / √N
  std::vector<double> per_image;
};
// decode_logits(z, image) returns the decoder's logits for the codes z (R,Z), where
// row r belongs to image image[r] (the CVAE needs it for the class).
using DecodeLogits = std::function<Tensor(const Tensor& z, std::span<const int> image)>;
// x (N,D) in [0,1]; mu, logvar (N,Z) from the encoder; k >= 1 samples per image. The
// decoder sees blocks of up to max_rows (image, sample) rows; ε is drawn from rng in
// (image, sample) order whatever the blocks, so with k = 1 the ε are VAE::loss's for
// the same seed. Runs under NoGrad. Throws std::invalid_argument on mismatched shapes
// or k < 1.
LogLikelihoodEstimate importance_log_likelihood(const Tensor& x, const Tensor& mu, const Tensor& logvar, int k,
                                                Rng& rng, const DecodeLogits& decode_logits,
                                                PixelLikelihood likelihood = PixelLikelihood::Bernoulli,
                                                int max_rows = 4096);

// Fraction of rows whose largest logit is the label.
float accuracy(const Tensor& logits, std::span<const int> labels);

}  // namespace aet
