// optim.h — the optimizers that turn gradients into parameter updates: SGD (with
// momentum, Nesterov and weight decay) and Adam, plus gradient-norm clipping.
//
// A training step reads:   opt.zero_grad();  loss = model(x);  backward(loss);  opt.step();
// Gradients ACCUMULATE across backward passes until zero_grad(), so forgetting it adds
// this step's gradient to the last one's.
//
// An optimizer holds handles to the model's parameter tensors (a Tensor is a shared
// handle) and updates their values in place. step() skips a parameter that is frozen
// (requires_grad() == false) or whose gradient buffer was never created (no backward
// reached it). Update rules and defaults follow torch.optim.SGD / torch.optim.Adam, so
// a student can check our numbers against PyTorch's.
//
// Resuming exactly: state() returns NAMED HANDLES to the optimizer's internal buffers
// ("adam.m.<param>", "adam.v.<param>", "sgd.velocity.<param>"), so saving them and
// later copying a checkpoint's values into them (load_parameters in nn/checkpoint.h)
// restores the state; steps() / set_steps() carry the step counter t. Adam's bias
// correction uses t, so it must be restored too.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn/module.h"

namespace aet {

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  // One update of every trainable parameter that has a gradient; increments steps().
  virtual void step() = 0;
  // Sets every parameter's gradient to zero (frozen ones too: they may have stale grads).
  void zero_grad();

  float lr() const { return lr_; }
  void set_lr(float lr);  // for schedules; lr must be positive and finite (checked)

  // How many times step() has run: the t of Adam's bias correction.
  int64_t steps() const { return steps_; }
  void set_steps(int64_t steps);  // >= 0 (checked)

  const ParamList& params() const { return params_; }
  // Handles to the internal state tensors (writing into them changes the optimizer).
  const ParamList& state() const { return state_; }
  // "sgd" or "adam": the prefix of the state names, used by checkpoints for "<kind>.steps".
  virtual const char* kind() const = 0;

  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

 protected:
  // Validates the parameter list (non-empty, defined handles, unique names and tensors)
  // and the learning rate; `who` names the optimizer in error messages.
  Optimizer(const char* who, ParamList params, float lr);
  // One zero tensor per parameter, named "<prefix>.<param name>", appended to state_.
  std::vector<Tensor> make_state(const std::string& prefix);
  // Is parameter i to be updated this step? (trainable and has a gradient buffer)
  bool updatable(size_t i) const;

  ParamList params_;
  ParamList state_;
  float lr_;
  int64_t steps_ = 0;
  const char* who_;
};

// ---- SGD ------------------------------------------------------------------------------
// With g = ∇θ + λθ (λ = weight_decay, L2 regularisation added to the gradient):
//   momentum μ = 0:   θ ← θ − α g
//   momentum μ > 0:   b ← μ b + g            (b starts at 0, so the first b is g)
//                     θ ← θ − α b            (classical)
//                     θ ← θ − α (g + μ b)    (nesterov, Sutskever et al. 2013 as in PyTorch)
struct SGDOptions {
  float lr = 1e-3f;           // torch.optim.SGD's default; usually set it
  float momentum = 0.0f;      // μ >= 0
  float weight_decay = 0.0f;  // λ >= 0
  bool nesterov = false;      // needs momentum > 0
};

class SGD : public Optimizer {
 public:
  SGD(ParamList params, SGDOptions options);
  void step() override;
  const char* kind() const override { return "sgd"; }
  const SGDOptions& options() const { return options_; }

 private:
  SGDOptions options_;
  std::vector<Tensor> velocity_;  // b per parameter; empty when momentum == 0
};

// ---- Adam -----------------------------------------------------------------------------
// Kingma & Ba 2014, Algorithm 1, at step t = 1, 2, ... with g = ∇θ + λθ:
//   m ← β1 m + (1−β1) g            first moment (mean) estimate
//   v ← β2 v + (1−β2) g²           second moment (uncentred variance) estimate
//   m̂ = m / (1−β1^t)               bias correction: m and v start at 0, so early
//   v̂ = v / (1−β2^t)                 averages are too small by exactly these factors
//   θ ← θ − α m̂ / (√v̂ + ε)
// ε is added AFTER the square root, as in the paper and torch.optim.Adam, and the
// defaults are PyTorch's. weight_decay is the L2 form added to g (torch.optim.Adam),
// not decoupled AdamW. On the first step m̂ = g and v̂ = g², so every parameter moves
// by α·g/(|g|+ε) ≈ α·sign(g): Adam's step size is set by α, not by |g|.
//
// t counts calls to step(); PyTorch counts per parameter. They differ only for a
// parameter that was skipped (frozen, or no gradient) on some steps and then trained.
struct AdamOptions {
  float lr = 1e-3f;
  float beta1 = 0.9f;         // in [0, 1)
  float beta2 = 0.999f;       // in [0, 1)
  float eps = 1e-8f;          // > 0
  float weight_decay = 0.0f;  // λ >= 0
};

class Adam : public Optimizer {
 public:
  Adam(ParamList params, AdamOptions options = {});
  void step() override;
  const char* kind() const override { return "adam"; }
  const AdamOptions& options() const { return options_; }

 private:
  AdamOptions options_;
  std::vector<Tensor> m_, v_;  // one of each per parameter
};

// ---- gradient clipping ----------------------------------------------------------------
// Treats the gradients of all trainable parameters that have one as a single vector
// and, if its L2 norm exceeds max_norm, scales them all by max_norm / (norm + 1e-6)
// (torch.nn.utils.clip_grad_norm_). Returns the norm BEFORE clipping, which is worth
// logging: a norm that keeps growing is an early sign of divergence. If the norm is
// not finite (inf/nan gradients) the gradients are left as they are and the norm is
// returned so the caller can stop; max_norm must be positive and finite (checked).
float clip_grad_norm(const ParamList& params, float max_norm);

// ---- learning-rate warm-up --------------------------------------------------------------
// Linear warm-up (Goyal et al. 2017, "Accurate, large minibatch SGD", §2.2): the rate for
// step t = 1, 2, ... is base_lr · t / warmup_steps while t < warmup_steps, then base_lr.
// It keeps Adam's first steps, whose moment estimates rest on few gradients, small — worth
// it when fine-tuning a pretrained encoder (tutorial 3). Use: opt.set_lr(warmup_lr(...)).
// warmup_steps = 0 means no warm-up. Throws if step < 1, warmup_steps < 0 or base_lr <= 0.
float warmup_lr(float base_lr, int64_t step, int64_t warmup_steps);

}  // namespace aet
