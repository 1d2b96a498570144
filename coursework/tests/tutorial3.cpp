// tutorial3.cpp — tasks of tutorial 3 (transfer learning): the classifier's loss gradient, warm-up.
#include <fmt/format.h>

#include <vector>

#include "autograd/random.h"
#include "coursework/checker/check.h"
#include "datasets/synthetic.h"
#include "nn/layers.h"
#include "nn/optim.h"

namespace aet::coursework {
namespace {

void cross_entropy_gradient() {
  Rng rng(9);
  const std::vector<int> labels{2, 0, 3, 3, 1};
  expect_gradients("softmax_cross_entropy (5 rows, 4 classes)",
                   [&](std::vector<Tensor>& in) { return softmax_cross_entropy(in[0], labels); },
                   {Tensor::uniform({5, 4}, rng, -2.0f, 2.0f, true)});
}

// A linear head on three Gaussian blobs: the loss must fall to a small value.
void linear_head_learns() {
  Rng rng(10);
  Dataset blobs = make_blobs(150, 2, 3, 0.3f, rng);
  Linear head(2, 3, Init::Xavier, rng);
  SGD sgd(head.parameters(), {.lr = 0.5f});
  const int steps = 150;
  const float target = 0.2f;
  float loss_value = 0;
  for (int s = 0; s < steps; ++s) {
    sgd.zero_grad();
    Tensor loss = softmax_cross_entropy(head(blobs.images), blobs.labels);
    backward(loss);
    sgd.step();
    loss_value = loss.item();
  }
  if (!(loss_value < target))
    fail(fmt::format("a linear classifier on 3 blobs: loss did not fall below {} in {} SGD steps (ended at {:.4g})",
                     target, steps, loss_value));
}

void warmup_values() {
  struct Case { float base; int64_t step, warmup; float want; };
  const Case cases[] = {{0.1f, 1, 4, 0.025f}, {0.1f, 2, 4, 0.05f}, {0.1f, 3, 4, 0.075f}, {0.1f, 4, 4, 0.1f},
                        {0.1f, 100, 4, 0.1f}, {2e-3f, 1, 1000, 2e-6f}, {0.5f, 1, 0, 0.5f}, {0.5f, 7, 1, 0.5f}};
  for (const Case& c : cases)
    expect_close(fmt::format("warmup_lr(base_lr {}, step {}, warmup_steps {})", c.base, c.step, c.warmup),
                 warmup_lr(c.base, c.step, c.warmup), c.want, 1e-9, 1e-5);
}

void warmup_rises_then_stays() {
  float before = 0.0f;
  for (int64_t t = 1; t <= 60; ++t) {
    const float lr = warmup_lr(1e-3f, t, 50);
    if (!(lr > 0.0f) || lr < before || lr > 1e-3f)
      fail(fmt::format("warmup_lr(1e-3, step {}, 50) = {}: the rate must rise from step 1 to 50 and stay at 1e-3 after",
                       t, lr));
    before = lr;
  }
}

const bool registered =
    add_task({"3.1", 8, "softmax cross-entropy's gradient (autograd/ops_loss.cpp)",
              {cross_entropy_gradient, linear_head_learns}}) &&
    add_task({"3.2", 8, "a linear learning-rate warm-up (nn/optim.cpp)", {warmup_values, warmup_rises_then_stays}});

}  // namespace
}  // namespace aet::coursework
