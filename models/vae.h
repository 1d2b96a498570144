// vae.h — the variational autoencoder of tutorial 4.
//
// The encoder no longer gives one code but a distribution over codes:
//   h = relu(x·W₁ + b₁),   μ = h·W_μ + b_μ,   log σ² = h·W_σ + b_σ      (N,Z) each
// A code is sampled with the reparameterization trick, so gradients reach μ, σ:
//   z = μ + exp(½ log σ²) ⊙ ε,   ε ~ N(0, I)
// The decoder gives Bernoulli logits for every pixel: x̂ = sigmoid(decoder(z)).
// The loss is the negative ELBO, in nats per image (sums over pixels and latent
// dimensions, averaged over the batch):
//   L = BCE(x̂, x) + β · KL(N(μ, σ²) ‖ N(0, I))
// Default recipe: 784-400-(20,20), 20-400-784, ReLU, β = 1.
#pragma once
#include "nn/layers.h"
#include "nn/losses.h"

namespace aet {

struct VaeLoss {
  Tensor total;  // what backward() is called on
  float recon;   // BCE, nats per image
  float kl;      // KL, nats per image (before β)
};

class VAE : public Module {
 public:
  VAE(int input_dim, int hidden, int latent, Rng& rng);

  struct Posterior { Tensor mu, logvar; };
  Posterior encode(const Tensor& x) const;     // (N,D) -> μ, log σ² (N,Z)
  Tensor decode_logits(const Tensor& z) const; // (N,Z) -> (N,D) logits
  Tensor decode(const Tensor& z) const;        // (N,Z) -> (N,D) in (0,1): the mean of p(x|z)
  VaeLoss loss(const Tensor& x, Rng& rng, float beta = 1.0f) const;
  Tensor reconstruct(const Tensor& x) const;   // decode(μ): the mean code, no noise
  Tensor sample(int n, Rng& rng) const;        // decode z ~ N(0, I), under NoGrad
  // The importance-weighted estimate of log p(x) with k samples per image (nn/losses.h):
  // k = 1 is the ELBO, larger k a tighter lower bound. Nats per image, under NoGrad.
  // `likelihood` says which p(x|z) the decoder was trained for (bce_loss or
  // continuous_bernoulli_loss).
  LogLikelihoodEstimate log_likelihood(const Tensor& x, int k, Rng& rng,
                                       PixelLikelihood likelihood = PixelLikelihood::Bernoulli) const;

  ParamList parameters() const override;
  int input_dim() const { return input_dim_; }
  int latent_dim() const { return latent_; }

  Linear enc_hidden, enc_mu, enc_logvar;
  MLP decoder;
  // p(x|z) of loss() and of the pictures decode() draws: Bernoulli (BCE, σ(l) shown) or
  // the continuous Bernoulli (BCE − log C(l), its mean E[x] shown); see nn/losses.h.
  PixelLikelihood likelihood = PixelLikelihood::Bernoulli;

 private:
  int input_dim_, latent_;
};

}  // namespace aet
