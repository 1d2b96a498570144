// cvae.cpp — the VAE with the class concatenated in the two places cvae.h marks.
#include "models/cvae.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/task.h"
#include "nn/losses.h"

namespace aet {

CVAE::CVAE(int input_dim, int num_classes, int hidden, int latent, Rng& rng)
    : input_dim_(input_dim), classes_(num_classes), latent_(latent) {
  if (latent < 1) throw std::invalid_argument("CVAE: latent size must be >= 1, got " + std::to_string(latent));
  if (num_classes < 1) throw std::invalid_argument("CVAE: needs at least one class");
  // PyTorch's default initialisation, as in the VAE (see vae.cpp).
  enc_hidden = Linear(input_dim + num_classes, hidden, Init::Uniform, rng);
  enc_mu = Linear(hidden, latent, Init::Uniform, rng);
  enc_logvar = Linear(hidden, latent, Init::Uniform, rng);
  decoder = MLP({latent + num_classes, hidden, input_dim}, ReLU, rng, Identity, Init::Uniform);
  enc_hidden.name = "enc_hidden", enc_mu.name = "enc_mu", enc_logvar.name = "enc_logvar";
  decoder.name_layers("decoder");
}

VAE::Posterior CVAE::encode(const Tensor& x, const Tensor& y) const {
  // TASK 5.1 BEGIN: condition 1, h = relu([x, y]·W₁ + b₁) (concat_cols), then μ and log σ² from h
  Tensor h = enc_hidden(concat_cols(x, y), ReLU);
  return {enc_mu(h), enc_logvar(h)};
  // TASK 5.1 STUB
  // (void)x, (void)y;
  // task_not_done("5.1", "put the class into the encoder, CVAE::encode in models/cvae.cpp");
  // TASK 5.1 END
}

Tensor CVAE::decode_logits(const Tensor& z, const Tensor& y) const {
  // TASK 5.2 BEGIN: condition 2, the decoder reads [z, y]
  return decoder(concat_cols(z, y));
  // TASK 5.2 STUB
  // (void)z, (void)y;
  // task_not_done("5.2", "put the class into the decoder, CVAE::decode_logits in models/cvae.cpp");
  // TASK 5.2 END
}

Tensor CVAE::decode(const Tensor& z, const Tensor& y) const { return pixel_mean(decode_logits(z, y), likelihood); }

VaeLoss CVAE::loss(const Tensor& x, const Tensor& y, Rng& rng, float beta) const {
  auto [mu, logvar] = encode(x, y);
  Tensor z = reparameterize(mu, logvar, rng);
  Tensor recon = pixel_nll(decode_logits(z, y), x, likelihood);
  Tensor kl = gaussian_kl(mu, logvar);
  return {recon + kl * beta, recon.item(), kl.item()};
}

Tensor CVAE::reconstruct(const Tensor& x, const Tensor& y) const {
  NoGrad no_grad;
  return decode(encode(x, y).mu, y);
}

Tensor CVAE::sample(int cls, int n, Rng& rng) const {
  if (cls < 0 || cls >= classes_)
    throw std::out_of_range("CVAE::sample: class " + std::to_string(cls) + " is outside [0," +
                            std::to_string(classes_) + ")");
  NoGrad no_grad;
  Tensor y = Tensor::zeros({n, classes_});
  for (int i = 0; i < n; ++i) y.data()[static_cast<size_t>(i) * classes_ + cls] = 1.0f;
  return decode(Tensor::randn({n, latent_}, rng), y);
}

LogLikelihoodEstimate CVAE::log_likelihood(const Tensor& x, const Tensor& y, int k, Rng& rng,
                                           PixelLikelihood likelihood) const {
  NoGrad no_grad;
  const VAE::Posterior q = encode(x, y);
  return importance_log_likelihood(x, q.mu, q.logvar, k, rng, [&](const Tensor& z, std::span<const int> image) {
    Tensor yz = Tensor::empty({z.rows(), y.cols()});  // each sample's row of y
    for (int r = 0; r < z.rows(); ++r)
      std::copy_n(y.data() + size_t(image[r]) * y.cols(), y.cols(), yz.data() + size_t(r) * y.cols());
    return decode_logits(z, yz);
  }, likelihood);
}

ParamList CVAE::parameters() const {
  return join({prefixed("enc_hidden", enc_hidden.parameters()), prefixed("enc_mu", enc_mu.parameters()),
               prefixed("enc_logvar", enc_logvar.parameters()), prefixed("decoder", decoder.parameters())});
}

}  // namespace aet
