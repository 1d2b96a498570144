// layers.cpp — Linear and MLP.
#include "nn/layers.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace aet {

Tensor activate(const Tensor& x, Activation a) {
  switch (a) {
    case Activation::Identity: return x;
    case Activation::ReLU: return relu(x);
    case Activation::LeakyReLU: return leaky_relu(x, 0.01f);
    case Activation::Sigmoid: return sigmoid(x);
    case Activation::Tanh: return aet::tanh(x);
  }
  return x;
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::Identity: return "Identity";
    case Activation::ReLU: return "ReLU";
    case Activation::LeakyReLU: return "LeakyReLU";
    case Activation::Sigmoid: return "Sigmoid";
    case Activation::Tanh: return "Tanh";
  }
  return "?";
}

Linear::Linear(int in, int out, Init init, Rng& rng, bool bias) {
  if (in < 1 || out < 1)
    throw std::invalid_argument("Linear: widths must be >= 1, got in=" + std::to_string(in) +
                                " out=" + std::to_string(out));
  if (init == Init::Uniform) {
    const float a = 1.0f / std::sqrt(static_cast<float>(in));
    W = Tensor::uniform({in, out}, rng, -a, a, true);
    if (bias) b = Tensor::uniform({1, out}, rng, -a, a, true);
    return;
  }
  if (init == Init::He) {
    W = Tensor::randn({in, out}, rng, std::sqrt(2.0f / in), true);
  } else {  // Xavier (and Auto, which has no activation to go by here)
    const float a = std::sqrt(6.0f / static_cast<float>(in + out));
    W = Tensor::uniform({in, out}, rng, -a, a, true);
  }
  if (bias) b = Tensor::zeros({1, out}, true);
}

static void check_input(const Linear& layer, const Tensor& x) {
  if (x.ndim() != 2 || x.cols() != layer.in_features())
    throw std::invalid_argument("Linear(" + std::to_string(layer.in_features()) + "→" +
                                std::to_string(layer.out_features()) + "): input has shape " +
                                shape_str(x.shape()) + ", expected (N," +
                                std::to_string(layer.in_features()) + ")");
}

Tensor Linear::operator()(const Tensor& x) const {
  check_input(*this, x);
  return linear(x, W, b);
}

Tensor Linear::operator()(const Tensor& x, Activation activation) const {
  check_input(*this, x);
  if (activation == ReLU) return linear_relu(x, W, b);
  return activate(linear(x, W, b), activation);
}

ParamList Linear::parameters() const {
  ParamList p{{"weight", W}};
  if (b.defined()) p.push_back({"bias", b});
  return p;
}

MLP::MLP(const std::vector<int>& widths, Activation hidden, Rng& rng, Activation output, Init init)
    : widths_(widths), hidden_(hidden), output_(output) {
  if (widths.size() < 2)
    throw std::invalid_argument("MLP: needs at least two widths {in, out}, got " +
                                std::to_string(widths.size()));
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    const bool last = i + 2 == widths.size();
    const Activation after = last ? output : hidden;
    const Init chosen = init != Init::Auto                         ? init
                        : (after == ReLU || after == LeakyReLU) ? Init::He
                                                                : Init::Xavier;
    layers.emplace_back(widths[i], widths[i + 1], chosen, rng);
  }
}

Tensor MLP::operator()(const Tensor& x) const {
  Tensor h = x;
  for (size_t i = 0; i < layers.size(); ++i)
    h = layers[i](h, i + 1 == layers.size() ? output_ : hidden_);
  return h;
}

ParamList MLP::parameters() const {
  ParamList all;
  for (size_t i = 0; i < layers.size(); ++i) {
    auto p = prefixed(std::to_string(i), layers[i].parameters());
    all.insert(all.end(), p.begin(), p.end());
  }
  return all;
}

std::string MLP::describe() const {
  std::string s;
  for (size_t i = 0; i < widths_.size(); ++i) {
    if (i) s += "-";
    s += std::to_string(widths_[i]);
    if (i > 0 && i + 1 < widths_.size()) s += std::string("(") + activation_name(hidden_) + ")";
  }
  return s;
}

}  // namespace aet
