// conv_cvae.cpp — ConvVAE with the class concatenated in the two places conv_cvae.h marks.
#include "models/conv_cvae.h"

#include <stdexcept>
#include <string>

#include "nn/losses.h"

namespace aet {

ConvCVAE::ConvCVAE(int side, int num_classes, int latent, Rng& rng)
    : side_(side), classes_(num_classes), latent_(latent) {
  if (latent < 1) throw std::invalid_argument("ConvCVAE: latent size must be >= 1, got " + std::to_string(latent));
  if (num_classes < 1) throw std::invalid_argument("ConvCVAE: needs at least one class");
  encoder = ConvEncoder("ConvCVAE", side, rng);
  enc_mu = Linear(encoder.features() + num_classes, latent, Init::Uniform, rng);
  enc_logvar = Linear(encoder.features() + num_classes, latent, Init::Uniform, rng);
  decoder = ConvDecoder(latent + num_classes, side, rng);
}

VAE::Posterior ConvCVAE::encode(const Tensor& x, const Tensor& y) const {
  if (y.ndim() != 2 || y.rows() != x.rows() || y.cols() != classes_)
    throw std::invalid_argument("ConvCVAE: labels have shape " + shape_str(y.shape()) + ", expected one-hot (" +
                                std::to_string(x.rows()) + "," + std::to_string(classes_) + ") for input " +
                                shape_str(x.shape()));
  Tensor hy = concat_cols(encoder(x), y);  // [h, y] (N,F+C): condition 1
  return {enc_mu(hy), enc_logvar(hy)};
}

Tensor ConvCVAE::decode_logits(const Tensor& z, const Tensor& y) const {
  return decoder(concat_cols(z, y));  // condition 2: [z, y]
}

Tensor ConvCVAE::decode(const Tensor& z, const Tensor& y) const { return sigmoid(decode_logits(z, y)); }

VaeLoss ConvCVAE::loss(const Tensor& x, const Tensor& y, Rng& rng, float beta) const {
  auto [mu, logvar] = encode(x, y);
  Tensor z = reparameterize(mu, logvar, rng);
  Tensor recon = bce_loss(decode_logits(z, y), x);
  Tensor kl = gaussian_kl(mu, logvar);
  return {recon + kl * beta, recon.item(), kl.item()};
}

Tensor ConvCVAE::reconstruct(const Tensor& x, const Tensor& y) const {
  NoGrad no_grad;
  return decode(encode(x, y).mu, y);
}

Tensor ConvCVAE::sample(int cls, int n, Rng& rng) const {
  if (cls < 0 || cls >= classes_)
    throw std::out_of_range("ConvCVAE::sample: class " + std::to_string(cls) + " is outside [0," +
                            std::to_string(classes_) + ")");
  NoGrad no_grad;
  Tensor y = Tensor::zeros({n, classes_});
  for (int i = 0; i < n; ++i) y.data()[static_cast<size_t>(i) * classes_ + cls] = 1.0f;
  return decode(Tensor::randn({n, latent_}, rng), y);
}

ParamList ConvCVAE::parameters() const {
  return join({prefixed("encoder", encoder.parameters()), prefixed("enc_mu", enc_mu.parameters()),
               prefixed("enc_logvar", enc_logvar.parameters()), prefixed("decoder", decoder.parameters())});
}

}  // namespace aet
