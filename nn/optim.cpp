// optim.cpp — SGD, Adam and gradient clipping (update rules in nn/optim.h).
//
// Each step checks nothing per element: it works out the scalars of the update (learning
// rate, bias corrections) and hands every parameter tensor to one fused element loop in
// autograd/kernels/optimizer_steps.h, which reads θ, g and the state once and writes them
// once.
#include "nn/optim.h"

#include <cmath>
#include <fmt/format.h>
#include <stdexcept>

#include "autograd/kernels/optimizer_steps.h"
#include "autograd/task.h"

namespace aet {

namespace {

void check_positive_finite(const char* who, const char* option, float value) {
  if (!(std::isfinite(value) && value > 0.0f))
    throw std::invalid_argument(
        fmt::format("{}: {} must be a positive finite number, got {}", who, option, value));
}

void check_non_negative(const char* who, const char* option, float value) {
  if (!(std::isfinite(value) && value >= 0.0f))
    throw std::invalid_argument(
        fmt::format("{}: {} must be a finite number >= 0, got {}", who, option, value));
}

void check_beta(const char* option, float value) {
  if (!(value >= 0.0f && value < 1.0f))
    throw std::invalid_argument(fmt::format(
        "Adam: {} must be in [0, 1), got {} (it is the decay of a running average; "
        "typical values are 0.9 for beta1 and 0.999 for beta2)",
        option, value));
}

}  // namespace

// ---- Optimizer --------------------------------------------------------------------------

Optimizer::Optimizer(const char* who, ParamList params, float lr)
    : params_(std::move(params)), lr_(lr), who_(who) {
  check_positive_finite(who_, "lr", lr);
  if (params_.empty())
    throw std::invalid_argument(fmt::format(
        "{}: got an empty parameter list (pass model.parameters() of a model that has some)", who_));
  for (size_t i = 0; i < params_.size(); ++i) {
    const NamedTensor& p = params_[i];
    if (!p.tensor.defined())
      throw std::invalid_argument(
          fmt::format("{}: parameter '{}' is an empty Tensor handle (never assigned)", who_, p.name));
    for (size_t j = 0; j < i; ++j) {
      if (params_[j].name == p.name)
        throw std::invalid_argument(fmt::format(
            "{}: two parameters are named '{}'; names must be unique so the optimizer state "
            "can be saved and matched by name",
            who_, p.name));
      if (params_[j].tensor.same_as(p.tensor))
        throw std::invalid_argument(fmt::format(
            "{}: parameters '{}' and '{}' are the same tensor; it would be updated twice per step",
            who_, params_[j].name, p.name));
    }
  }
}

void Optimizer::zero_grad() {
  for (auto& p : params_) p.tensor.zero_grad();
}

void Optimizer::set_lr(float lr) {
  check_positive_finite(who_, "lr", lr);
  lr_ = lr;
}

void Optimizer::set_steps(int64_t steps) {
  if (steps < 0)
    throw std::invalid_argument(fmt::format("{}: set_steps needs a count >= 0, got {}", who_, steps));
  steps_ = steps;
}

std::vector<Tensor> Optimizer::make_state(const std::string& prefix) {
  std::vector<Tensor> out;
  out.reserve(params_.size());
  for (const auto& p : params_) {
    out.push_back(Tensor::zeros(p.tensor.shape()));
    state_.push_back({prefix + "." + p.name, out.back()});
  }
  return out;
}

bool Optimizer::updatable(size_t i) const {
  const Tensor& t = params_[i].tensor;
  return t.requires_grad() && t.has_grad();
}

// ---- SGD --------------------------------------------------------------------------------

SGD::SGD(ParamList params, SGDOptions options) : Optimizer("SGD", std::move(params), options.lr),
                                                   options_(options) {
  check_non_negative("SGD", "momentum", options.momentum);
  check_non_negative("SGD", "weight_decay", options.weight_decay);
  if (options.nesterov && options.momentum == 0.0f)
    throw std::invalid_argument("SGD: nesterov needs a momentum > 0 (got momentum 0)");
  if (options.momentum > 0.0f) velocity_ = make_state("sgd.velocity");
}

void SGD::step() {
  ++steps_;
  const float lr = lr_, mu = options_.momentum, wd = options_.weight_decay;
  // Classical: θ ← θ − α b; Nesterov: θ ← θ − α (g + μ b). Both are
  // θ ← θ − α (c_g g + c_b b), so the choice is two scalars, not a branch per element.
  const float c_g = options_.nesterov ? 1.0f : 0.0f;
  const float c_b = options_.nesterov ? mu : 1.0f;
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!updatable(i)) continue;
    Tensor& t = params_[i].tensor;
    if (velocity_.empty())
      kernels::sgd_step(t.data(), t.grad(), t.size(), lr, wd);
    else
      kernels::sgd_momentum_step(t.data(), t.grad(), velocity_[i].data(), t.size(), lr, wd, mu, c_g, c_b);
  }
}

// ---- Adam -------------------------------------------------------------------------------

Adam::Adam(ParamList params, AdamOptions options) : Optimizer("Adam", std::move(params), options.lr),
                                                     options_(options) {
  check_beta("beta1", options.beta1);
  check_beta("beta2", options.beta2);
  check_positive_finite("Adam", "eps", options.eps);
  check_non_negative("Adam", "weight_decay", options.weight_decay);
  m_ = make_state("adam.m");
  v_ = make_state("adam.v");
}

void Adam::step() {
  const int64_t t = ++steps_;
  const float b1 = options_.beta1, b2 = options_.beta2, eps = options_.eps;
  const float wd = options_.weight_decay;
  // Bias corrections in double (β^t for large t underflows gracefully to 0), folded
  // as in torch.optim.Adam: α m̂/(√v̂+ε) = (α/(1−β1^t)) · m / (√v / √(1−β2^t) + ε).
  const double bc1 = 1.0 - std::pow(static_cast<double>(b1), static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(static_cast<double>(b2), static_cast<double>(t));
  const float step_size = static_cast<float>(lr_ / bc1);
  const float inv_bc2_sqrt = static_cast<float>(1.0 / std::sqrt(bc2));
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!updatable(i)) continue;
    Tensor& p = params_[i].tensor;
    kernels::adam_step(p.data(), p.grad(), m_[i].data(), v_[i].data(), p.size(), b1, b2, eps, wd, step_size,
                       inv_bc2_sqrt);
  }
}

// ---- warm-up ----------------------------------------------------------------------------

float warmup_lr(float base_lr, int64_t step, int64_t warmup_steps) {
  check_positive_finite("warmup_lr", "base_lr", base_lr);
  if (step < 1 || warmup_steps < 0)
    throw std::invalid_argument(fmt::format("warmup_lr: needs step >= 1 (counted from 1) and warmup_steps >= 0, "
                                            "got step {} and warmup_steps {}", step, warmup_steps));
  // TASK 3.2 BEGIN: base_lr · t / warmup_steps while t < warmup_steps, base_lr from then on
  if (step >= warmup_steps) return base_lr;
  return static_cast<float>(double(base_lr) * double(step) / double(warmup_steps));
  // TASK 3.2 STUB
  // task_not_done("3.2", "write the linear learning-rate warm-up, warmup_lr, in nn/optim.cpp");
  // TASK 3.2 END
}

// ---- clipping ---------------------------------------------------------------------------

float clip_grad_norm(const ParamList& params, float max_norm) {
  check_positive_finite("clip_grad_norm", "max_norm", max_norm);
  // ‖g‖ = sqrt(Σ over every parameter and element of g²), accumulated in double so a
  // million small squares do not lose their low bits.
  double sum_sq = 0.0;
  for (const auto& p : params) {
    if (!p.tensor.defined() || !p.tensor.requires_grad() || !p.tensor.has_grad()) continue;
    Tensor t = p.tensor;
    for (float gk : t.grad_values()) sum_sq += static_cast<double>(gk) * gk;
  }
  const double norm = std::sqrt(sum_sq);
  if (!std::isfinite(norm)) return static_cast<float>(norm);
  const double coef = max_norm / (norm + 1e-6);  // the 1e-6 keeps a zero norm harmless
  if (coef < 1.0) {
    const float c = static_cast<float>(coef);
    for (const auto& p : params) {
      if (!p.tensor.defined() || !p.tensor.requires_grad() || !p.tensor.has_grad()) continue;
      Tensor t = p.tensor;
      kernels::scale_in_place(t.grad(), t.size(), c);
    }
  }
  return static_cast<float>(norm);
}

}  // namespace aet
