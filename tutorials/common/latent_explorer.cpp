// latent_explorer.cpp — see latent_explorer.h.
#include "tutorials/common/latent_explorer.h"

#include <stdexcept>
#include <string>

#include "nn/checkpoint.h"

namespace aet {
namespace {

std::string shape_of(const Checkpoint& ck, const std::string& name) { return shape_str(ck.tensor(name).shape()); }

// "decoder.0  weight (2,400)  bias (1,400)  ReLU" for every layer the checkpoint holds.
std::string describe_layers(const Checkpoint& ck, int decoder_layers) {
  std::string text;
  for (const char* enc : {"enc_hidden", "enc_mu", "enc_logvar"})
    text += std::string(enc) + "  weight " + shape_of(ck, std::string(enc) + ".weight") + "  bias " +
            shape_of(ck, std::string(enc) + ".bias") + "\n";
  for (int i = 0; i < decoder_layers; ++i) {
    const std::string name = "decoder." + std::to_string(i);
    text += name + "  weight " + shape_of(ck, name + ".weight") + "  bias " + shape_of(ck, name + ".bias") +
            (i + 1 < decoder_layers ? "  ReLU\n" : "  sigmoid\n");
  }
  return text;
}

}  // namespace

ExplorerModel load_explorer_model(const std::string& path) {
  const Checkpoint ck = read_checkpoint(path);  // magic, version, lengths, CRC: the loader's messages
  for (const char* name : {"enc_hidden.weight", "enc_mu.weight", "decoder.0.weight", "decoder.1.weight"})
    if (!ck.has_tensor(name))
      throw std::runtime_error(path + ": not a VAE or CVAE checkpoint of tutorials 4 or 5 (it has no tensor '" +
                               name + "')");
  // enc_hidden.weight is (D [+ C], H), enc_mu.weight (H, Z), decoder.0.weight (Z [+ C], H),
  // decoder.1.weight (H, D).
  const Tensor& first = ck.tensor("decoder.0.weight");
  const Tensor& last = ck.tensor("decoder.1.weight");
  ExplorerModel m;
  m.latent = ck.tensor("enc_mu.weight").cols();
  m.pixels = last.cols();
  const int hidden = first.cols(), classes = first.rows() - m.latent;
  if (m.latent != 2)
    throw std::runtime_error(path + ": the explorer draws a 2-D latent plane, but this model has Z = " +
                             std::to_string(m.latent) + " (train it with --latent 2)");
  Rng rng(0);  // the values are overwritten by the checkpoint's
  if (classes == 0) {
    m.vae = std::make_unique<VAE>(m.pixels, hidden, m.latent, rng);
    load_parameters(ck, m.vae->parameters(), path);
  } else {
    m.classes = classes;
    m.cvae = std::make_unique<CVAE>(m.pixels, classes, hidden, m.latent, rng);
    load_parameters(ck, m.cvae->parameters(), path);
  }
  m.layers = describe_layers(ck, 2);
  return m;
}

std::vector<float> explorer_decode(const ExplorerModel& m, float z1, float z2, int cls) {
  NoGrad no_grad;
  const Tensor z = Tensor::from({1, 2}, {z1, z2});
  Tensor x;
  if (m.conditional()) {
    if (cls < 0 || cls >= m.classes)
      throw std::out_of_range("explorer_decode: class " + std::to_string(cls) + " is outside [0," +
                              std::to_string(m.classes) + ")");
    Tensor y = Tensor::zeros({1, m.classes});
    y.data()[cls] = 1.0f;
    x = m.cvae->decode(z, y);
  } else {
    x = m.vae->decode(z);
  }
  return std::vector<float>(x.data(), x.data() + x.size());
}

}  // namespace aet
