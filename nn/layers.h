// layers.h — Linear, activations, and the MLP builder the model files use.
//
//   MLP net({784, 512, 256, 10}, ReLU, rng);   // 3 Linear layers, ReLU between them
//   Tensor logits = net(x);                     // x (N,784) -> (N,10)
//
// Linear stores W as (in, out) so its forward is the textbook Y = X·W + b.
// Initialisation (seeded from the Rng you pass, so --seed reaches it):
//   He (Kaiming) normal for layers followed by ReLU:  W ~ N(0, 2/fan_in),  b = 0
//   Xavier (Glorot) uniform otherwise:                W ~ U(±√(6/(fan_in+fan_out))),  b = 0
//   Uniform, PyTorch's nn.Linear default:             W, b ~ U(±1/√fan_in)
// MLP picks He or Xavier by the activation (Init::Auto) unless told otherwise. The
// VAE recipes use Uniform so that their figures compare with PyTorch's example.
//
// Conv2d and ConvTranspose2d hold their weights as PyTorch does, (out, in, k, k) and
// (in, out, k, k), and initialise them as PyTorch does (kaiming_uniform with a = √5, which
// is W, b ~ U(±1/√fan_in)) so that conv recipes compare with PyTorch's too:
//   Conv2d c1(1, 32, 3, rng, /*stride=*/2, /*padding=*/1);   // x (N,1,28,28) -> (N,32,14,14)
#pragma once
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "nn/module.h"

namespace aet {

enum class Activation { Identity, ReLU, LeakyReLU, Sigmoid, Tanh };
inline constexpr Activation Identity = Activation::Identity;
inline constexpr Activation ReLU = Activation::ReLU;
inline constexpr Activation LeakyReLU = Activation::LeakyReLU;
inline constexpr Activation Sigmoid = Activation::Sigmoid;
inline constexpr Activation Tanh = Activation::Tanh;

Tensor activate(const Tensor& x, Activation a);  // thin wrapper over the ops
const char* activation_name(Activation a);

enum class Init { Auto, He, Xavier, Uniform };

class Linear : public Module {
 public:
  Linear() = default;
  Linear(int in, int out, Init init, Rng& rng, bool bias = true);
  Tensor operator()(const Tensor& x) const;  // x (N,in) -> (N,out); checks in
  // activation(x·W + b); ReLU runs as the fused op linear_relu.
  Tensor operator()(const Tensor& x, Activation activation) const;
  ParamList parameters() const override;
  int in_features() const { return W.rows(); }
  int out_features() const { return W.cols(); }

  Tensor W;  // (in, out)
  Tensor b;  // (1, out), or empty without bias
  // The model's name for this layer ("enc_mu"), or empty; a shape error starts with it:
  // "enc_mu: Linear(300→20): input has shape (128,400), expected (N,300)".
  std::string name;
};

// y = conv2d(x, W, b, stride, padding)    x (N,in,H,W) -> (N,out,P,Q)
//   P = (H + 2·padding − k)/stride + 1;  W (out,in,k,k), b (out); fan_in = in·k·k.
class Conv2d : public Module {
 public:
  Conv2d() = default;
  Conv2d(int in, int out, int kernel, Rng& rng, int stride = 1, int padding = 0, bool bias = true);
  Tensor operator()(const Tensor& x) const;  // checks the input's shape and channels
  // activation(conv2d(x)); ReLU runs as the fused op conv2d_relu.
  Tensor operator()(const Tensor& x, Activation activation) const;
  ParamList parameters() const override;
  std::string describe() const;  // "Conv2d(1→32, 3x3, stride 2, padding 1)"
  int in_channels() const { return W.dim(1); }
  int out_channels() const { return W.dim(0); }

  Tensor W;  // (out, in, k, k)
  Tensor b;  // (out), or empty without bias
  int stride = 1, padding = 0;
  std::string name;  // as Linear::name
};

// y = conv_transpose2d(x, W, b, stride, padding, output_padding)   x (N,in,H,W) -> (N,out,H',W')
//   H' = (H − 1)·stride − 2·padding + k + output_padding;  W (in,out,k,k), b (out).
// fan_in = out·k·k: PyTorch computes it from the weight's dimension 1, which for a
// transposed convolution is the number of output channels.
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d() = default;
  ConvTranspose2d(int in, int out, int kernel, Rng& rng, int stride = 1, int padding = 0,
                  int output_padding = 0, bool bias = true);
  Tensor operator()(const Tensor& x) const;
  // activation(conv_transpose2d(x)); ReLU runs as the fused op conv_transpose2d_relu.
  Tensor operator()(const Tensor& x, Activation activation) const;
  ParamList parameters() const override;
  std::string describe() const;  // "ConvTranspose2d(64→32, 3x3, stride 2, padding 1, output_padding 1)"
  int in_channels() const { return W.dim(0); }
  int out_channels() const { return W.dim(1); }

  Tensor W;  // (in, out, k, k)
  Tensor b;  // (out), or empty without bias
  int stride = 1, padding = 0, output_padding = 0;
  std::string name;  // as Linear::name
};

class MLP : public Module {
 public:
  MLP() = default;
  // widths = {in, hidden..., out}: one Linear per consecutive pair. `hidden` is
  // applied after every layer but the last; `output` after the last.
  MLP(const std::vector<int>& widths, Activation hidden, Rng& rng, Activation output = Identity,
      Init init = Init::Auto);
  Tensor operator()(const Tensor& x) const;
  ParamList parameters() const override;
  const std::vector<int>& widths() const { return widths_; }
  std::string describe() const;  // "784-512(ReLU)-256(ReLU)-10"
  // Names layer i "prefix.i", as its parameters are named, for the shape errors (Linear::name).
  void name_layers(const std::string& prefix);

  std::vector<Linear> layers;

 private:
  std::vector<int> widths_;
  Activation hidden_ = ReLU, output_ = Identity;
};

}  // namespace aet
