// conv_vae.cpp — the equations of conv_vae.h, line for line.
#include "models/conv_vae.h"

#include <stdexcept>
#include <string>

#include "nn/losses.h"

namespace aet {

ConvVAE::ConvVAE(int side, int latent, Rng& rng) : side_(side), latent_(latent) {
  if (latent < 1) throw std::invalid_argument("ConvVAE: latent size must be >= 1, got " + std::to_string(latent));
  encoder = ConvEncoder("ConvVAE", side, rng);
  enc_mu = Linear(encoder.features(), latent, Init::Uniform, rng);
  enc_logvar = Linear(encoder.features(), latent, Init::Uniform, rng);
  decoder = ConvDecoder(latent, side, rng);
}

VAE::Posterior ConvVAE::encode(const Tensor& x) const {
  Tensor h = encoder(x);  // (N,F)
  return {enc_mu(h), enc_logvar(h)};
}

Tensor ConvVAE::decode_logits(const Tensor& z) const { return decoder(z); }
Tensor ConvVAE::decode(const Tensor& z) const { return sigmoid(decode_logits(z)); }

VaeLoss ConvVAE::loss(const Tensor& x, Rng& rng, float beta) const {
  auto [mu, logvar] = encode(x);
  Tensor z = reparameterize(mu, logvar, rng);
  Tensor recon = bce_loss(decode_logits(z), x);
  Tensor kl = gaussian_kl(mu, logvar);
  return {recon + kl * beta, recon.item(), kl.item()};
}

Tensor ConvVAE::reconstruct(const Tensor& x) const {
  NoGrad no_grad;
  return decode(encode(x).mu);
}

Tensor ConvVAE::sample(int n, Rng& rng) const {
  NoGrad no_grad;
  return decode(Tensor::randn({n, latent_}, rng));
}

ParamList ConvVAE::parameters() const {
  return join({prefixed("encoder", encoder.parameters()), prefixed("enc_mu", enc_mu.parameters()),
               prefixed("enc_logvar", enc_logvar.parameters()), prefixed("decoder", decoder.parameters())});
}

}  // namespace aet
