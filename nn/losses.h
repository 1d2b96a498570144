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
#include <span>

#include "autograd/ops.h"

namespace aet {

Tensor mse_loss(const Tensor& pred, const Tensor& target);
// logits (N,D): the decoder's pre-sigmoid output; target (N,D) in [0,1].
Tensor bce_loss(const Tensor& logits, const Tensor& target);
Tensor cross_entropy_loss(const Tensor& logits, std::span<const int> labels);
// KL = −½ Σ_j (1 + log σ²_j − μ²_j − σ²_j), per row, averaged over rows. mu, logvar (N,Z).
Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar);
// The reparameterization trick: z = μ + exp(½ log σ²) ⊙ ε with ε ~ N(0, I) from rng.
// ε is a constant to autograd, so gradients reach μ and log σ².
Tensor reparameterize(const Tensor& mu, const Tensor& logvar, Rng& rng);

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

// Fraction of rows whose largest logit is the label.
float accuracy(const Tensor& logits, std::span<const int> labels);

}  // namespace aet
