// conv_halves.h — the convolutional encoder body and decoder that ConvVAE and ConvCVAE share
// (Keras's VAE example; ConvAutoencoder spells the same layers out inline).
//
//   ConvEncoder  x (N,D) → (N,1,S,S) → conv 32, 3x3 s2 p1, ReLU → (N,32,S/2,S/2)
//                → conv 64, 3x3 s2 p1, ReLU → (N,64,S/4,S/4) → flatten h (N,F),  F = 64·(S/4)²
//   ConvDecoder  c (N,In) → dense, ReLU → (N,F) → (N,64,S/4,S/4)
//                → convT 64, 3x3 s2 p1 op1, ReLU → (N,64,S/2,S/2)
//                → convT 32, 3x3 s2 p1 op1, ReLU → (N,32,S,S) → conv 1, 3x3 p1 → logits (N,D)
// The encoder stops at the flattened features, so each model puts its own dense heads on
// them (μ and log σ² for the VAE; the same on [h, y] for the CVAE). Images come and go as
// rows (N,D), D = S·S, like every other model of the toolkit; S must be a multiple of 4.
#pragma once
#include <string>

#include "nn/layers.h"

namespace aet {

class ConvEncoder : public Module {
 public:
  ConvEncoder() = default;
  ConvEncoder(const std::string& model, int side, Rng& rng);  // `model` names the owner in errors
  Tensor operator()(const Tensor& x) const;                   // (N,D) -> (N,F)
  ParamList parameters() const override;
  int features() const { return 64 * (side_ / 4) * (side_ / 4); }  // F

  Conv2d conv1, conv2;  // 1→32, 32→64, both stride 2

 private:
  std::string model_;
  int side_ = 0;
};

class ConvDecoder : public Module {
 public:
  ConvDecoder() = default;
  ConvDecoder(int in, int side, Rng& rng);
  Tensor operator()(const Tensor& c) const;  // (N,In) -> (N,D) logits
  ParamList parameters() const override;

  Linear dense;                 // In → F
  ConvTranspose2d up1, up2;     // 64→64, 64→32, both stride 2
  Conv2d out;                   // 32→1, stride 1

 private:
  int side_ = 0;
};

}  // namespace aet
