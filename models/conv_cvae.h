// conv_cvae.h — the conditional VAE of tutorial 5 with convolutional halves.
//
// As ConvVAE (conv_vae.h), with the class y (one-hot (N,C)) given to both halves:
//   h = ConvEncoder(x)                                  (N,F)
//   μ = [h, y]·W_μ + b_μ,   log σ² = [h, y]·W_σ + b_σ    ← condition 1
//   x̂ = sigmoid(ConvDecoder([z, y]))                    ← condition 2
// Where y enters: at the dense layers, concatenated to the flat vectors, not broadcast as
// C constant planes beside the image. The class is a fact about the whole picture, not
// about a place in it; the dense layers already see every position, while constant planes
// would cost conv1 C·9 weights per filter to read ten bits that carry no spatial pattern,
// and on the decoder side planes would have to enter after the 7x7 reshape anyway.
// Concatenation is also exactly what the MLP CVAE does, so the two compare layer for layer.
#pragma once
#include "models/conv_halves.h"
#include "models/vae.h"  // VaeLoss, VAE::Posterior

namespace aet {

class ConvCVAE : public Module {
 public:
  ConvCVAE(int side, int num_classes, int latent, Rng& rng);

  VAE::Posterior encode(const Tensor& x, const Tensor& y) const;  // y: one-hot (N,C)
  Tensor decode_logits(const Tensor& z, const Tensor& y) const;   // (N,Z),(N,C) -> (N,D)
  Tensor decode(const Tensor& z, const Tensor& y) const;          // (N,D) in (0,1)
  VaeLoss loss(const Tensor& x, const Tensor& y, Rng& rng, float beta = 1.0f) const;
  Tensor reconstruct(const Tensor& x, const Tensor& y) const;     // under NoGrad
  Tensor sample(int cls, int n, Rng& rng) const;                  // n images of class cls

  ParamList parameters() const override;
  int side() const { return side_; }
  int latent_dim() const { return latent_; }
  int num_classes() const { return classes_; }

  ConvEncoder encoder;
  Linear enc_mu, enc_logvar;  // F + C → Z each
  ConvDecoder decoder;        // Z + C → logits

 private:
  int side_, classes_, latent_;
};

}  // namespace aet
