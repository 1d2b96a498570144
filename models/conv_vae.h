// conv_vae.h — the variational autoencoder of tutorial 4 with convolutional halves
// (Keras's VAE example, in the toolkit's layers).
//
// The same equations as vae.h; only the two networks change (conv_halves.h):
//   h = ConvEncoder(x)                          (N,F),  F = 64·(S/4)²
//   μ = h·W_μ + b_μ,   log σ² = h·W_σ + b_σ    (N,Z) each
//   z = μ + exp(½ log σ²) ⊙ ε,   ε ~ N(0, I)   (reparameterization)
//   x̂ = sigmoid(ConvDecoder(z))                 (N,D)
//   L = BCE(x̂, x) + β · KL(N(μ, σ²) ‖ N(0, I))  nats per image
#pragma once
#include "models/conv_halves.h"
#include "models/vae.h"  // VaeLoss, VAE::Posterior

namespace aet {

class ConvVAE : public Module {
 public:
  ConvVAE(int side, int latent, Rng& rng);

  VAE::Posterior encode(const Tensor& x) const;  // (N,D) -> μ, log σ² (N,Z)
  Tensor decode_logits(const Tensor& z) const;   // (N,Z) -> (N,D) logits
  Tensor decode(const Tensor& z) const;          // (N,Z) -> (N,D) in (0,1)
  VaeLoss loss(const Tensor& x, Rng& rng, float beta = 1.0f) const;
  Tensor reconstruct(const Tensor& x) const;     // decode(μ), under NoGrad
  Tensor sample(int n, Rng& rng) const;          // decode z ~ N(0, I), under NoGrad

  ParamList parameters() const override;
  int side() const { return side_; }
  int latent_dim() const { return latent_; }

  ConvEncoder encoder;
  Linear enc_mu, enc_logvar;  // F → Z each
  ConvDecoder decoder;        // Z → logits

 private:
  int side_, latent_;
};

}  // namespace aet
