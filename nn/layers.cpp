// layers.cpp — Linear, Conv2d, ConvTranspose2d and MLP.
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

// "enc_mu: " when the model named the layer, so the message says which of its layers it is.
static std::string named(const std::string& name) { return name.empty() ? "" : name + ": "; }

static void check_input(const Linear& layer, const Tensor& x) {
  if (x.ndim() != 2 || x.cols() != layer.in_features())
    throw std::invalid_argument(named(layer.name) + "Linear(" + std::to_string(layer.in_features()) + "→" +
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

// ---- convolutions ----------------------------------------------------------------------

// PyTorch's default for both (torch/nn/modules/conv.py, _ConvNd.reset_parameters):
// kaiming_uniform_(W, a=√5) draws U(±gain·√(3/fan_in)) with gain = √(2/(1 + a²)) = √(1/3),
// i.e. U(±1/√fan_in); the bias draws U(±1/√fan_in) with the same fan_in, which
// torch/nn/init.py (_calculate_fan_in_and_fan_out) takes as W.size(1)·k·k.
static void init_conv(Tensor& W, Tensor& b, const Shape& shape, int bias_size, Rng& rng, bool bias) {
  const float a = 1.0f / std::sqrt(static_cast<float>(shape[1] * shape[2] * shape[3]));
  W = Tensor::uniform(shape, rng, -a, a, true);
  if (bias) b = Tensor::uniform({bias_size}, rng, -a, a, true);
}

static void check_conv_args(const char* layer, int in, int out, int kernel, int stride, int padding) {
  if (in < 1 || out < 1 || kernel < 1 || stride < 1 || padding < 0)
    throw std::invalid_argument(std::string(layer) + ": channels, kernel and stride must be >= 1 and padding >= 0, got in=" +
                                std::to_string(in) + " out=" + std::to_string(out) + " kernel=" +
                                std::to_string(kernel) + " stride=" + std::to_string(stride) +
                                " padding=" + std::to_string(padding));
}

static std::string conv_describe(const char* layer, int in, int out, int k, int stride, int padding,
                                 int output_padding) {
  std::string s = std::string(layer) + "(" + std::to_string(in) + "→" + std::to_string(out) + ", " +
                  std::to_string(k) + "x" + std::to_string(k);
  if (stride != 1) s += ", stride " + std::to_string(stride);
  if (padding != 0) s += ", padding " + std::to_string(padding);
  if (output_padding != 0) s += ", output_padding " + std::to_string(output_padding);
  return s + ")";
}

// The layer's own message first: the op's would speak of weights the student never made.
static void check_image(const std::string& layer, int in, const Tensor& x) {
  if (x.ndim() != 4 || x.dim(1) != in)
    throw std::invalid_argument(layer + ": input has shape " + shape_str(x.shape()) + ", expected (N," +
                                std::to_string(in) + ",H,W)" +
                                (x.ndim() == 2 ? "; reshape a batch of flat rows to (N,C,H,W) first" : ""));
}

Conv2d::Conv2d(int in, int out, int kernel, Rng& rng, int stride, int padding, bool bias)
    : stride(stride), padding(padding) {
  check_conv_args("Conv2d", in, out, kernel, stride, padding);
  init_conv(W, b, {out, in, kernel, kernel}, out, rng, bias);
}

std::string Conv2d::describe() const {
  return conv_describe("Conv2d", in_channels(), out_channels(), W.dim(2), stride, padding, 0);
}

Tensor Conv2d::operator()(const Tensor& x) const {
  check_image(named(name) + describe(), in_channels(), x);
  return conv2d(x, W, b, stride, padding);
}

Tensor Conv2d::operator()(const Tensor& x, Activation activation) const {
  if (activation != ReLU) return activate((*this)(x), activation);
  check_image(named(name) + describe(), in_channels(), x);
  return conv2d_relu(x, W, b, stride, padding);
}

ParamList Conv2d::parameters() const {
  ParamList p{{"weight", W}};
  if (b.defined()) p.push_back({"bias", b});
  return p;
}

ConvTranspose2d::ConvTranspose2d(int in, int out, int kernel, Rng& rng, int stride, int padding,
                                 int output_padding, bool bias)
    : stride(stride), padding(padding), output_padding(output_padding) {
  check_conv_args("ConvTranspose2d", in, out, kernel, stride, padding);
  if (output_padding < 0 || output_padding >= stride)
    throw std::invalid_argument("ConvTranspose2d: output_padding must be >= 0 and smaller than the stride " +
                                std::to_string(stride) + ", got " + std::to_string(output_padding));
  init_conv(W, b, {in, out, kernel, kernel}, out, rng, bias);
}

std::string ConvTranspose2d::describe() const {
  return conv_describe("ConvTranspose2d", in_channels(), out_channels(), W.dim(2), stride, padding,
                       output_padding);
}

Tensor ConvTranspose2d::operator()(const Tensor& x) const {
  check_image(named(name) + describe(), in_channels(), x);
  return conv_transpose2d(x, W, b, stride, padding, output_padding);
}

Tensor ConvTranspose2d::operator()(const Tensor& x, Activation activation) const {
  if (activation != ReLU) return activate((*this)(x), activation);
  check_image(named(name) + describe(), in_channels(), x);
  return conv_transpose2d_relu(x, W, b, stride, padding, output_padding);
}

ParamList ConvTranspose2d::parameters() const {
  ParamList p{{"weight", W}};
  if (b.defined()) p.push_back({"bias", b});
  return p;
}

// ---- MLP -------------------------------------------------------------------------------

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

void MLP::name_layers(const std::string& prefix) {
  for (size_t i = 0; i < layers.size(); ++i) layers[i].name = prefix + "." + std::to_string(i);
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
