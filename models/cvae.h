// cvae.h — the conditional VAE of tutorial 5.
//
// As the VAE (vae.h), with the class y (one-hot, C = 10) given to both halves:
//   encoder sees [x, y]:   h = relu([x, y]·W₁ + b₁),  μ, log σ² from h      ← condition 1
//   decoder sees [z, y]:   x̂ = sigmoid(decoder([z, y]))                     ← condition 2
// Because the decoder is told the class, z is free to encode only the style
// (thickness, slant, shade); sample(k, n) draws z ~ N(0, I) and asks for class k.
#pragma once
#include <span>

#include "models/vae.h"

namespace aet {

class CVAE : public Module {
 public:
  CVAE(int input_dim, int num_classes, int hidden, int latent, Rng& rng);

  VAE::Posterior encode(const Tensor& x, const Tensor& y) const;  // y: one-hot (N,C)
  Tensor decode_logits(const Tensor& z, const Tensor& y) const;
  Tensor decode(const Tensor& z, const Tensor& y) const;           // (N,D) in (0,1)
  VaeLoss loss(const Tensor& x, const Tensor& y, Rng& rng, float beta = 1.0f) const;
  Tensor reconstruct(const Tensor& x, const Tensor& y) const;
  Tensor sample(int cls, int n, Rng& rng) const;                   // n images of class cls
  // log p(x | y) by importance weighting, k samples per image (see VAE::log_likelihood).
  LogLikelihoodEstimate log_likelihood(const Tensor& x, const Tensor& y, int k, Rng& rng,
                                       PixelLikelihood likelihood = PixelLikelihood::Bernoulli) const;

  ParamList parameters() const override;
  int input_dim() const { return input_dim_; }
  int latent_dim() const { return latent_; }
  int num_classes() const { return classes_; }

  Linear enc_hidden, enc_mu, enc_logvar;
  MLP decoder;
  PixelLikelihood likelihood = PixelLikelihood::Bernoulli;  // as in VAE

 private:
  int input_dim_, classes_, latent_;
};

}  // namespace aet
