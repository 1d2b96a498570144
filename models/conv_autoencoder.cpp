// conv_autoencoder.cpp — the equations of conv_autoencoder.h, line for line.
#include "models/conv_autoencoder.h"

#include <stdexcept>
#include <string>

#include "nn/losses.h"

namespace aet {

ConvAutoencoder::ConvAutoencoder(int side, int latent, Rng& rng, ConvAutoencoderOptions options)
    : side_(side), latent_(latent), options_(options) {
  if (side < 4 || side % 4 != 0)
    throw std::invalid_argument("ConvAutoencoder: the image side must be a positive multiple of 4 (two stride-2 "
                                "layers halve it twice), got " + std::to_string(side));
  if (latent < 1)
    throw std::invalid_argument("ConvAutoencoder: latent size must be >= 1, got " + std::to_string(latent));
  if (options.hidden < 0)
    throw std::invalid_argument("ConvAutoencoder: hidden width must be >= 0 (0: no hidden layer), got " +
                                std::to_string(options.hidden));
  const int flat = 64 * (side / 4) * (side / 4), H = options.hidden;
  // PyTorch's default initialisation throughout (Init::Uniform for the dense layers), as Keras
  // recipes are usually re-run in PyTorch. Built in the order of the forward pass; without the
  // options that is Keras's layers alone, so they draw the same weights as before the options.
  enc_conv1 = Conv2d(1, 32, 3, rng, 2, 1);
  enc_conv2 = Conv2d(32, 64, 3, rng, 2, 1);
  if (H > 0) enc_hidden = Linear(flat, H, Init::Uniform, rng);
  enc_dense = Linear(H > 0 ? H : flat, latent, Init::Uniform, rng);
  if (H > 0) dec_hidden = Linear(latent, H, Init::Uniform, rng);
  dec_dense = Linear(H > 0 ? H : latent, flat, Init::Uniform, rng);
  dec_up1 = ConvTranspose2d(64, 64, 3, rng, 2, 1, 1);
  if (options.refine) dec_refine = Conv2d(64, 64, 3, rng, 1, 1);
  dec_up2 = ConvTranspose2d(64, 32, 3, rng, 2, 1, 1);
  dec_out = Conv2d(32, 1, 3, rng, 1, 1);
}

Tensor ConvAutoencoder::encode(const Tensor& x) const {
  const int D = side_ * side_;
  if (x.ndim() != 2 || x.cols() != D)
    throw std::invalid_argument("ConvAutoencoder: input has shape " + shape_str(x.shape()) +
                                ", but the model was built for (N," + std::to_string(D) + ") rows of " +
                                std::to_string(side_) + "x" + std::to_string(side_) + " images");
  const int N = x.rows(), s = side_ / 4;
  Tensor h = reshape(x, {N, 1, side_, side_});
  h = enc_conv1(h, ReLU);                  // (N,32,S/2,S/2)
  h = enc_conv2(h, ReLU);                  // (N,64,S/4,S/4)
  h = reshape(h, {N, 64 * s * s});
  if (options_.hidden > 0) h = enc_hidden(h, ReLU);  // (N,H)
  return enc_dense(h);                     // (N,Z)
}

Tensor ConvAutoencoder::decode_logits(const Tensor& z) const {
  const int N = z.rows(), s = side_ / 4;
  Tensor h = options_.hidden > 0 ? dec_hidden(z, ReLU) : z;  // (N,H)
  h = dec_dense(h, ReLU);                  // (N,64·(S/4)²)
  h = reshape(h, {N, 64, s, s});
  h = dec_up1(h, ReLU);                    // (N,64,S/2,S/2)
  if (options_.refine) h = dec_refine(h, ReLU);
  h = dec_up2(h, ReLU);                    // (N,32,S,S)
  h = dec_out(h);                          // (N,1,S,S)
  return reshape(h, {N, side_ * side_});
}

Tensor ConvAutoencoder::decode(const Tensor& z) const { return sigmoid(decode_logits(z)); }

Tensor ConvAutoencoder::loss(const Tensor& x) const { return bce_loss(decode_logits(encode(x)), x); }

Tensor ConvAutoencoder::mse(const Tensor& x) const { return mse_loss(forward(x), x); }

ParamList ConvAutoencoder::parameters() const {
  const bool H = options_.hidden > 0;  // the optional layers are listed only when built
  return join({prefixed("encoder.conv1", enc_conv1.parameters()), prefixed("encoder.conv2", enc_conv2.parameters()),
               H ? prefixed("encoder.hidden", enc_hidden.parameters()) : ParamList{},
               prefixed("encoder.dense", enc_dense.parameters()),
               H ? prefixed("decoder.hidden", dec_hidden.parameters()) : ParamList{},
               prefixed("decoder.dense", dec_dense.parameters()), prefixed("decoder.up1", dec_up1.parameters()),
               options_.refine ? prefixed("decoder.refine", dec_refine.parameters()) : ParamList{},
               prefixed("decoder.up2", dec_up2.parameters()), prefixed("decoder.out", dec_out.parameters())});
}

}  // namespace aet
