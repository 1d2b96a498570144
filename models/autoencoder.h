// autoencoder.h — the plain autoencoder of tutorials 1–3.
//
//   z  = encoder(x)            x (N,D) -> z (N,Z), Z < D: the code, a compression of x
//   x̂  = sigmoid(decoder(z))   z (N,Z) -> x̂ (N,D), pixels back in (0,1)
//   L  = (1/ND) Σ (x̂ − x)²     mean squared reconstruction error per pixel
//
// Default recipe: 784-512-256-Z-256-512-784, ReLU hidden, linear code layer.
// Change `hidden` and `latent` to change the architecture for coursework.
#pragma once
#include <vector>

#include "nn/layers.h"

namespace aet {

class Autoencoder : public Module {
 public:
  Autoencoder(int input_dim, const std::vector<int>& hidden, int latent, Rng& rng);

  Tensor encode(const Tensor& x) const;  // (N,D) -> (N,Z)
  Tensor decode(const Tensor& z) const;  // (N,Z) -> (N,D), in (0,1)
  Tensor forward(const Tensor& x) const { return decode(encode(x)); }
  Tensor loss(const Tensor& x) const;    // MSE between decode(encode(x)) and x

  ParamList parameters() const override;
  int input_dim() const { return input_dim_; }
  int latent_dim() const { return latent_; }

  MLP encoder;  // D -> hidden... -> Z, no activation on the code
  MLP decoder;  // Z -> ...hidden reversed -> D, sigmoid on the output

 private:
  int input_dim_, latent_;
};

}  // namespace aet
