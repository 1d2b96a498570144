// tutorial1.cpp — tasks of tutorial 1 (the autoencoder): sigmoid's backward, the mirrored widths.
#include <fmt/format.h>

#include "autograd/random.h"
#include "coursework/checker/check.h"
#include "models/autoencoder.h"
#include "nn/optim.h"

namespace aet::coursework {
namespace {

void sigmoid_gradient() {
  Rng rng(5);
  expect_gradients("sigmoid", [](std::vector<Tensor>& in) { return sigmoid(in[0]); },
                   {Tensor::uniform({4, 3}, rng, -3.0f, 3.0f, true)});
}

std::string widths_of(const MLP& m) {
  std::string s = std::to_string(m.layers.front().in_features());
  for (const Linear& l : m.layers) s += "-" + std::to_string(l.out_features());
  return s;
}

void mirrored_widths() {
  Rng rng(6);
  Autoencoder ae(12, {9, 5}, 3, rng);
  if (widths_of(ae.encoder) != "12-9-5-3")
    fail("Autoencoder(12, {9, 5}, 3): encoder widths are " + widths_of(ae.encoder) + ", expected 12-9-5-3");
  if (widths_of(ae.decoder) != "3-5-9-12")
    fail("Autoencoder(12, {9, 5}, 3): decoder widths are " + widths_of(ae.decoder) +
         ", expected 3-5-9-12 (the encoder's, mirrored)");
  Autoencoder flat(6, {}, 2, rng);
  if (widths_of(flat.encoder) != "6-2" || widths_of(flat.decoder) != "2-6")
    fail("Autoencoder(6, {}, 2) (no hidden layer): widths " + widths_of(flat.encoder) + " and " +
         widths_of(flat.decoder) + ", expected 6-2 and 2-6");
}

// A one-layer model x̂ = sigmoid(x·W + b) fitted by MSE to targets made by such a model:
// only sigmoid's backward is new here (linear and mse are given).
void sigmoid_model_learns() {
  Rng rng(7);
  Tensor x = Tensor::uniform({64, 4}, rng, -1.0f, 1.0f);
  Tensor true_w = Tensor::uniform({4, 3}, rng, -3.0f, 3.0f);
  Tensor target = [&] { NoGrad g; return sigmoid(matmul(x, true_w)); }();
  Tensor W = Tensor::zeros({4, 3}, true), b = Tensor::zeros({1, 3}, true);
  Adam adam({{"W", W}, {"b", b}}, {.lr = 5e-2f});
  float first = 0, last = 0;
  const int steps = 200;
  for (int s = 0; s < steps; ++s) {
    adam.zero_grad();
    Tensor loss = mse(sigmoid(linear(x, W, b)), target);
    backward(loss);
    adam.step();
    (s == 0 ? first : last) = loss.item();
  }
  if (!(last < 0.05f * first))
    fail(fmt::format("sigmoid(x·W + b) fitted by MSE: the loss did not fall below {:.4g} (5 % of its first {:.4g}) "
                     "in {} Adam steps; it ended at {:.4g}", 0.05f * first, first, steps, last));
}

const bool registered =
    add_task({"1.1", 6, "sigmoid's backward (autograd/ops_unary.cpp)", {sigmoid_gradient, sigmoid_model_learns}}) &&
    add_task({"1.2", 6, "the encoder's and mirrored decoder's widths (models/autoencoder.cpp)",
              {mirrored_widths}});

}  // namespace
}  // namespace aet::coursework
