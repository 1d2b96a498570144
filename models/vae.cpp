// vae.cpp — the equations of vae.h, line for line.
#include "models/vae.h"

#include <stdexcept>
#include <string>

#include "nn/losses.h"

namespace aet {

VAE::VAE(int input_dim, int hidden, int latent, Rng& rng) : input_dim_(input_dim), latent_(latent) {
  if (latent < 1) throw std::invalid_argument("VAE: latent size must be >= 1, got " + std::to_string(latent));
  // PyTorch's default initialisation, so the recipe's figures compare with its example.
  enc_hidden = Linear(input_dim, hidden, Init::Uniform, rng);
  enc_mu = Linear(hidden, latent, Init::Uniform, rng);
  enc_logvar = Linear(hidden, latent, Init::Uniform, rng);
  decoder = MLP({latent, hidden, input_dim}, ReLU, rng, Identity, Init::Uniform);  // logits; sigmoid in the loss
  enc_hidden.name = "enc_hidden", enc_mu.name = "enc_mu", enc_logvar.name = "enc_logvar";
  decoder.name_layers("decoder");
}

VAE::Posterior VAE::encode(const Tensor& x) const {
  Tensor h = enc_hidden(x, ReLU);  // relu(x·W₁ + b₁), as one fused op
  return {enc_mu(h), enc_logvar(h)};
}

Tensor VAE::decode_logits(const Tensor& z) const { return decoder(z); }
Tensor VAE::decode(const Tensor& z) const { return pixel_mean(decode_logits(z), likelihood); }

VaeLoss VAE::loss(const Tensor& x, Rng& rng, float beta) const {
  auto [mu, logvar] = encode(x);
  Tensor z = reparameterize(mu, logvar, rng);
  Tensor recon = pixel_nll(decode_logits(z), x, likelihood);
  Tensor kl = gaussian_kl(mu, logvar);
  return {recon + kl * beta, recon.item(), kl.item()};
}

Tensor VAE::reconstruct(const Tensor& x) const {
  NoGrad no_grad;
  return decode(encode(x).mu);
}

Tensor VAE::sample(int n, Rng& rng) const {
  NoGrad no_grad;
  return decode(Tensor::randn({n, latent_}, rng));
}

LogLikelihoodEstimate VAE::log_likelihood(const Tensor& x, int k, Rng& rng, PixelLikelihood likelihood) const {
  NoGrad no_grad;
  const Posterior q = encode(x);
  return importance_log_likelihood(x, q.mu, q.logvar, k, rng,
                                   [this](const Tensor& z, std::span<const int>) { return decode_logits(z); },
                                   likelihood);
}

ParamList VAE::parameters() const {
  return join({prefixed("enc_hidden", enc_hidden.parameters()), prefixed("enc_mu", enc_mu.parameters()),
               prefixed("enc_logvar", enc_logvar.parameters()), prefixed("decoder", decoder.parameters())});
}

}  // namespace aet
