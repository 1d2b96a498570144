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

  std::vector<Linear> layers;

 private:
  std::vector<int> widths_;
  Activation hidden_ = ReLU, output_ = Identity;
};

}  // namespace aet
