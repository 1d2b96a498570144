// autoencoder.cpp — the equations of autoencoder.h, line for line.
#include "models/autoencoder.h"

#include <stdexcept>
#include <string>

#include "autograd/task.h"
#include "nn/losses.h"

namespace aet {

static std::vector<int> widths(int from, const std::vector<int>& hidden, int to, bool reversed) {
  std::vector<int> w{from};
  // TASK 1.2 BEGIN: the widths {from, hidden..., to}; the decoder mirrors the encoder (reversed)
  if (reversed) w.insert(w.end(), hidden.rbegin(), hidden.rend());
  else w.insert(w.end(), hidden.begin(), hidden.end());
  w.push_back(to);
  return w;
  // TASK 1.2 STUB
  // (void)hidden, (void)to, (void)reversed;
  // task_not_done("1.2", "list the encoder's and the mirrored decoder's widths in models/autoencoder.cpp");
  // TASK 1.2 END
}

Autoencoder::Autoencoder(int input_dim, const std::vector<int>& hidden, int latent, Rng& rng)
    : input_dim_(input_dim), latent_(latent) {
  if (latent < 1) throw std::invalid_argument("Autoencoder: latent size must be >= 1, got " + std::to_string(latent));
  encoder = MLP(widths(input_dim, hidden, latent, false), ReLU, rng, Identity);
  decoder = MLP(widths(latent, hidden, input_dim, true), ReLU, rng, Sigmoid);
  encoder.name_layers("encoder");
  decoder.name_layers("decoder");
}

Tensor Autoencoder::encode(const Tensor& x) const {
  if (x.ndim() != 2 || x.cols() != input_dim_)
    throw std::invalid_argument("Autoencoder: input has shape " + shape_str(x.shape()) + ", but the model was built for (N," +
                                std::to_string(input_dim_) + ") — check the data's width against the model's");
  return encoder(x);
}

Tensor Autoencoder::decode(const Tensor& z) const { return decoder(z); }

Tensor Autoencoder::loss(const Tensor& x) const { return mse_loss(forward(x), x); }

ParamList Autoencoder::parameters() const {
  return join({prefixed("encoder", encoder.parameters()), prefixed("decoder", decoder.parameters())});
}

}  // namespace aet
