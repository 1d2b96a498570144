// conv_autoencoder.h — the autoencoder of tutorials 1–3 with convolutions (Keras's recipe).
//
// The same equations as autoencoder.h, with the MLP halves replaced by convolutions, so
// that the filters are shared across the image instead of learnt once per pixel:
//   encoder  x (N,1,S,S) → conv 32, 3x3 s2, ReLU → (N,32,S/2,S/2) → conv 64, 3x3 s2, ReLU
//            → (N,64,S/4,S/4) → flatten (N,64·S²/16) → dense → z (N,Z)
//   decoder  z → dense, ReLU → (N,64,S/4,S/4) → convT 64, 3x3 s2, ReLU → (N,64,S/2,S/2)
//            → convT 32, 3x3 s2, ReLU → (N,32,S,S) → conv 1, 3x3 → logits (N,1,S,S)
//   x̂ = sigmoid(logits)
//   L = BCE(logits, x)       (nats per image; Keras's recipe trains on it too)
//   mse(x) = (1/ND) Σ (x̂ − x)², reported beside the MLP autoencoder's
// Why not train on the MSE, as the MLP autoencoder does: through seven layers with PyTorch's
// initialisation the output bias gets nearly all the gradient, Adam pushes every logit down
// in the first epoch, the sigmoid saturates, and the model stays at the all-black image
// (tiny images: test MSE stuck at 0.1135 from epoch 1 on). The BCE's gradient, x̂ − x on the
// logits, does not vanish when the sigmoid saturates.
// Options beyond Keras's recipe (tutorial 6's README, "The conv AE's MSE: what sits next to the
// code"), both off by default:
//   hidden = H  a dense ReLU layer of width H on each side of z:  flatten → dense H, ReLU → z,
//               z → dense H, ReLU → dense, ReLU → (N,64,S/4,S/4)
//   refine      a stride-1 conv 64→64, 3x3, ReLU after the first transposed conv (N,64,S/2,S/2)
// With Z = 10 the layers next to the code limit the reconstruction: Keras's decoder turns z
// into its 64 feature maps with one linear map and a ReLU, where the MLP decoder has two
// hidden layers. With H = 1024 and refine the test MSE falls below 0.9× the MLP AE's.
// Every 3x3 layer is padded by 1 (and the transposes use output_padding 1), so a stride-2
// layer halves or doubles the side exactly: S must be a multiple of 4 (28 for Fashion-MNIST).
// Images come and go as rows (N,D), D = S·S, like every other model of the toolkit.
#pragma once
#include "nn/layers.h"

namespace aet {

struct ConvAutoencoderOptions {
  int hidden = 0;       // width of a dense ReLU layer on each side of z; 0: none (Keras's recipe)
  bool refine = false;  // a stride-1 conv 64→64 after the first transposed conv
};

class ConvAutoencoder : public Module {
 public:
  ConvAutoencoder(int side, int latent, Rng& rng, ConvAutoencoderOptions options = {});

  Tensor encode(const Tensor& x) const;        // (N,D) -> (N,Z)
  Tensor decode_logits(const Tensor& z) const; // (N,Z) -> (N,D) logits
  Tensor decode(const Tensor& z) const;        // (N,Z) -> (N,D), in (0,1)
  Tensor forward(const Tensor& x) const { return decode(encode(x)); }
  Tensor loss(const Tensor& x) const;          // BCE of decode_logits(encode(x)) against x
  Tensor mse(const Tensor& x) const;           // MSE between decode(encode(x)) and x

  ParamList parameters() const override;
  int side() const { return side_; }
  int latent_dim() const { return latent_; }

  Conv2d enc_conv1, enc_conv2;  // 1→32, 32→64, both stride 2
  Linear enc_hidden;            // 64·(S/4)² → H (only with options.hidden)
  Linear enc_dense;             // 64·(S/4)² (or H) → Z
  Linear dec_hidden;            // Z → H (only with options.hidden)
  Linear dec_dense;             // Z (or H) → 64·(S/4)²
  ConvTranspose2d dec_up1, dec_up2;  // 64→64, 64→32, both stride 2
  Conv2d dec_refine;            // 64→64, stride 1 (only with options.refine)
  Conv2d dec_out;               // 32→1, stride 1

 private:
  int side_, latent_;
  ConvAutoencoderOptions options_;
};

}  // namespace aet
