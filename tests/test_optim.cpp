// test_optim.cpp — SGD, Adam and clip_grad_norm against values worked out by hand.
//
// Each test sets a tiny parameter and its gradient directly (no model), takes a few
// steps and compares with the arithmetic written in the comments. Tolerances: the
// hand values are exact decimals or come from double arithmetic; our float32 updates
// carry a relative rounding error of a few ulp per step, so 1e-6 relative is ample.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>

#include "autograd/ops.h"
#include "nn/optim.h"

using namespace aet;

namespace {

void set_grad(Tensor& t, const std::vector<float>& grad) {
  REQUIRE(grad.size() == t.size());
  std::copy(grad.begin(), grad.end(), t.grad());
}

// A parameter holding `values`, with its gradient buffer set to `grad`.
Tensor param_with_grad(std::vector<float> values, const std::vector<float>& grad) {
  const int n = static_cast<int>(values.size());
  Tensor t = Tensor::from({n}, std::move(values), /*requires_grad=*/true);
  set_grad(t, grad);
  return t;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

TEST_CASE("optim: SGD plain step is theta -= lr * g") {
  // θ = (1, −2), g = (0.5, −1), α = 0.1, the same gradient on both steps:
  //   step 1: 1 − 0.1·0.5 = 0.95      −2 − 0.1·(−1) = −1.9
  //   step 2: 0.95 − 0.05 = 0.90      −1.9 + 0.1    = −1.8
  Tensor w = param_with_grad({1.0f, -2.0f}, {0.5f, -1.0f});
  SGD opt({{"w", w}}, {.lr = 0.1f});
  opt.step();
  CHECK(w.data()[0] == doctest::Approx(0.95).epsilon(1e-6));
  CHECK(w.data()[1] == doctest::Approx(-1.9).epsilon(1e-6));
  opt.step();  // the gradient was not zeroed, so it is still (0.5, −1)
  CHECK(w.data()[0] == doctest::Approx(0.90).epsilon(1e-6));
  CHECK(w.data()[1] == doctest::Approx(-1.8).epsilon(1e-6));
  CHECK(opt.steps() == 2);
  CHECK(opt.state().empty());  // no momentum, no state
}

TEST_CASE("optim: SGD with momentum accumulates a velocity") {
  // θ = 1, g = 1 on every step, α = 0.1, μ = 0.9; b starts at 0:
  //   step 1: b = 0.9·0 + 1   = 1      θ = 1    − 0.1·1    = 0.9
  //   step 2: b = 0.9·1 + 1   = 1.9    θ = 0.9  − 0.1·1.9  = 0.71
  //   step 3: b = 0.9·1.9 + 1 = 2.71   θ = 0.71 − 0.1·2.71 = 0.439
  Tensor w = param_with_grad({1.0f}, {1.0f});
  SGD opt({{"w", w}}, {.lr = 0.1f, .momentum = 0.9f});
  const double expected[] = {0.9, 0.71, 0.439};
  for (double e : expected) {
    opt.step();
    CHECK(w.item() == doctest::Approx(e).epsilon(1e-6));
  }
  REQUIRE(opt.state().size() == 1);
  CHECK(opt.state()[0].name == "sgd.velocity.w");
  CHECK(opt.state()[0].tensor.item() == doctest::Approx(2.71).epsilon(1e-6));
}

TEST_CASE("optim: SGD Nesterov looks ahead along the velocity") {
  // Same setting, θ ← θ − α (g + μ b):
  //   step 1: b = 1     θ = 1    − 0.1·(1 + 0.9·1)   = 0.81
  //   step 2: b = 1.9   θ = 0.81 − 0.1·(1 + 0.9·1.9) = 0.81 − 0.271 = 0.539
  Tensor w = param_with_grad({1.0f}, {1.0f});
  SGD opt({{"w", w}}, {.lr = 0.1f, .momentum = 0.9f, .nesterov = true});
  opt.step();
  CHECK(w.item() == doctest::Approx(0.81).epsilon(1e-6));
  opt.step();
  CHECK(w.item() == doctest::Approx(0.539).epsilon(1e-6));
}

TEST_CASE("optim: SGD weight decay adds lambda * theta to the gradient") {
  // θ = 2, g = 0.5, α = 0.1, λ = 0.1:
  //   step 1: g' = 0.5 + 0.1·2     = 0.7     θ = 2    − 0.07   = 1.93
  //   step 2: g' = 0.5 + 0.1·1.93  = 0.693   θ = 1.93 − 0.0693 = 1.8607
  Tensor w = param_with_grad({2.0f}, {0.5f});
  SGD opt({{"w", w}}, {.lr = 0.1f, .weight_decay = 0.1f});
  opt.step();
  CHECK(w.item() == doctest::Approx(1.93).epsilon(1e-6));
  opt.step();
  CHECK(w.item() == doctest::Approx(1.8607).epsilon(1e-6));
}

TEST_CASE("optim: Adam's first step moves every parameter by about lr * sign(g)") {
  // At t = 1: m = 0.1 g, v = 0.001 g², m̂ = m/(1−0.9) = g, v̂ = v/(1−0.999) = g², so
  // Δθ = −α g/(|g| + ε) ≈ −α sign(g), whatever |g| is: 1e-3 and 100 move alike.
  // (33 elements: a full block of 8 in the kernel and a ragged remainder.)
  const float lr = 0.01f;
  std::vector<float> init(33), grad(33);
  for (int i = 0; i < 33; ++i) {
    init[i] = 0.1f * static_cast<float>(i) - 1.0f;
    const float magnitude = std::pow(10.0f, static_cast<float>(i % 6) - 3.0f);  // 1e-3 .. 1e2
    grad[i] = (i % 2 ? -1.0f : 1.0f) * magnitude;
  }
  Tensor w = param_with_grad(init, grad);
  Adam opt({{"w", w}}, {.lr = lr});
  opt.step();
  for (int i = 0; i < 33; ++i) {
    const float expected = init[i] - lr * (grad[i] > 0 ? 1.0f : -1.0f);
    CHECK(w.data()[i] == doctest::Approx(expected).epsilon(1e-5));
  }
}

TEST_CASE("optim: Adam three steps by hand (Kingma & Ba, Algorithm 1)") {
  // θ = 1, α = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-8; gradients 1, 0.5, −1.
  //   t=1  g=1:   m = 0.1            v = 0.001
  //               m̂ = 0.1/0.1 = 1    v̂ = 0.001/0.001 = 1      Δ = 0.1·1/(1+ε)
  //               θ = 0.900000001
  //   t=2  g=0.5: m = 0.09 + 0.05 = 0.14          v = 0.000999 + 0.00025 = 0.001249
  //               m̂ = 0.14/(1−0.81) = 0.7368421   v̂ = 0.001249/(1−0.998001) = 0.6248124
  //               Δ = 0.1·0.7368421/0.7904508 = 0.0932180     θ = 0.8067820
  //   t=3  g=−1:  m = 0.126 − 0.1 = 0.026         v = 0.001247751 + 0.001 = 0.002247751
  //               m̂ = 0.026/(1−0.729) = 0.0959410 v̂ = 0.002247751/0.002997001 = 0.7500001
  //               Δ = 0.1·0.0959410/0.8660255 = 0.0110783     θ = 0.7957037
  // At t=3 the gradient says "go up" but θ still goes down: m remembers the past.
  Tensor w = param_with_grad({1.0f}, {1.0f});
  Adam opt({{"w", w}}, {.lr = 0.1f});
  opt.step();
  CHECK(w.item() == doctest::Approx(0.900000001).epsilon(1e-6));
  set_grad(w, {0.5f});
  opt.step();
  CHECK(w.item() == doctest::Approx(0.8067820383).epsilon(1e-6));
  set_grad(w, {-1.0f});
  opt.step();
  CHECK(w.item() == doctest::Approx(0.7957037313).epsilon(1e-6));

  REQUIRE(opt.state().size() == 2);
  CHECK(opt.state()[0].name == "adam.m.w");
  CHECK(opt.state()[1].name == "adam.v.w");
  CHECK(opt.state()[0].tensor.item() == doctest::Approx(0.026).epsilon(1e-5));
  CHECK(opt.state()[1].tensor.item() == doctest::Approx(0.002247751).epsilon(1e-5));
  CHECK(opt.steps() == 3);
}

TEST_CASE("optim: Adam weight decay pulls towards zero") {
  // θ = 1, g = −0.1, λ = 0.5: g' = −0.1 + 0.5·1 = 0.4 > 0, so the first step moves θ
  // DOWN by ≈ α even though the raw gradient alone would push it up.
  Tensor w = param_with_grad({1.0f}, {-0.1f});
  Adam opt({{"w", w}}, {.lr = 0.01f, .weight_decay = 0.5f});
  opt.step();
  CHECK(w.item() == doctest::Approx(0.99).epsilon(1e-6));
}

TEST_CASE("optim: frozen parameters and parameters without a gradient do not move") {
  Tensor trained = param_with_grad({1.0f}, {1.0f});
  Tensor frozen = param_with_grad({1.0f}, {1.0f});
  frozen.set_requires_grad(false);
  Tensor no_grad = Tensor::from({1}, {1.0f}, /*requires_grad=*/true);  // no backward reached it
  ParamList params = {{"trained", trained}, {"frozen", frozen}, {"no_grad", no_grad}};

  SUBCASE("SGD") {
    SGD opt(params, {.lr = 0.1f, .momentum = 0.9f});
    opt.step();
  }
  SUBCASE("Adam") {
    Adam opt(params, {.lr = 0.1f});
    opt.step();
  }
  CHECK(trained.item() == doctest::Approx(0.9).epsilon(1e-6));
  CHECK(frozen.item() == 1.0f);
  CHECK(no_grad.item() == 1.0f);
  CHECK_FALSE(no_grad.has_grad());  // step() must not create the buffer either
}

TEST_CASE("optim: zero_grad zeroes every parameter's gradient") {
  Tensor a = param_with_grad({1.0f, 2.0f}, {3.0f, 4.0f});
  Tensor b = Tensor::from({1}, {1.0f}, true);
  SGD opt({{"a", a}, {"b", b}}, {.lr = 0.1f});
  opt.zero_grad();
  CHECK(a.grad()[0] == 0.0f);
  CHECK(a.grad()[1] == 0.0f);
  CHECK_FALSE(b.has_grad());  // zeroing does not allocate
}

TEST_CASE("optim: lr() and set_lr()") {
  Tensor w = param_with_grad({1.0f}, {1.0f});
  Adam opt({{"w", w}});
  CHECK(opt.lr() == 1e-3f);  // PyTorch's default
  opt.set_lr(0.5f);
  CHECK(opt.lr() == 0.5f);
  CHECK(message_of([&] { opt.set_lr(-1.0f); }) == "Adam: lr must be a positive finite number, got -1");
  CHECK(opt.lr() == 0.5f);
  CHECK(message_of([&] { opt.set_steps(-3); }) == "Adam: set_steps needs a count >= 0, got -3");
}

TEST_CASE("optim: clip_grad_norm scales the whole gradient to max_norm") {
  // Gradients 3 and 4 form the vector (3,4) with norm 5; a frozen parameter's
  // gradient (100) is not part of it.
  Tensor a = param_with_grad({0.0f}, {3.0f});
  Tensor b = param_with_grad({0.0f}, {4.0f});
  Tensor frozen = param_with_grad({0.0f}, {100.0f});
  frozen.set_requires_grad(false);
  ParamList params = {{"a", a}, {"b", b}, {"frozen", frozen}};

  SUBCASE("a norm below max_norm is left alone") {
    CHECK(clip_grad_norm(params, 10.0f) == doctest::Approx(5.0));
    CHECK(a.grad()[0] == 3.0f);
    CHECK(b.grad()[0] == 4.0f);
  }
  SUBCASE("a larger norm is scaled by max_norm / (norm + 1e-6)") {
    CHECK(clip_grad_norm(params, 1.0f) == doctest::Approx(5.0));
    CHECK(a.grad()[0] == doctest::Approx(0.6).epsilon(1e-6));
    CHECK(b.grad()[0] == doctest::Approx(0.8).epsilon(1e-6));
    const double norm_after = std::hypot(a.grad()[0], b.grad()[0]);
    CHECK(norm_after == doctest::Approx(1.0).epsilon(1e-6));
    CHECK(frozen.grad()[0] == 100.0f);
  }
  SUBCASE("a non-finite norm is returned and the gradients are left alone") {
    b.grad()[0] = INFINITY;
    CHECK(std::isinf(clip_grad_norm(params, 1.0f)));
    CHECK(a.grad()[0] == 3.0f);
  }
  SUBCASE("max_norm must be positive") {
    CHECK(message_of([&] { clip_grad_norm(params, 0.0f); }) ==
          "clip_grad_norm: max_norm must be a positive finite number, got 0");
  }
}

TEST_CASE("optim: invalid options throw and name the option and value") {
  Tensor w = param_with_grad({1.0f}, {1.0f});
  const ParamList p = {{"w", w}};
  CHECK(message_of([&] { SGD(p, {.lr = 0.0f}); }) == "SGD: lr must be a positive finite number, got 0");
  CHECK(message_of([&] { SGD(p, {.lr = NAN}); }) == "SGD: lr must be a positive finite number, got nan");
  CHECK(message_of([&] { SGD(p, {.lr = 0.1f, .momentum = -0.5f}); }) ==
        "SGD: momentum must be a finite number >= 0, got -0.5");
  CHECK(message_of([&] { SGD(p, {.lr = 0.1f, .weight_decay = -1.0f}); }) ==
        "SGD: weight_decay must be a finite number >= 0, got -1");
  CHECK(message_of([&] { SGD(p, {.lr = 0.1f, .nesterov = true}); }) ==
        "SGD: nesterov needs a momentum > 0 (got momentum 0)");
  CHECK(message_of([&] { Adam(p, {.lr = INFINITY}); }) == "Adam: lr must be a positive finite number, got inf");
  CHECK(message_of([&] { Adam(p, {.beta1 = 1.0f}); }).starts_with("Adam: beta1 must be in [0, 1), got 1"));
  CHECK(message_of([&] { Adam(p, {.beta2 = -0.1f}); }).starts_with("Adam: beta2 must be in [0, 1), got -0.1"));
  CHECK(message_of([&] { Adam(p, {.eps = 0.0f}); }) == "Adam: eps must be a positive finite number, got 0");
  CHECK(message_of([&] { Adam({}, {}); }).starts_with("Adam: got an empty parameter list"));
  CHECK(message_of([&] { Adam({{"w", w}, {"w", Tensor::zeros({1})}}); })
            .starts_with("Adam: two parameters are named 'w'"));
  CHECK(message_of([&] { Adam({{"a", w}, {"b", w}}); })
            .starts_with("Adam: parameters 'a' and 'b' are the same tensor"));
}

// Learning: minimise L(θ) = Σ (θ − 3)², whose gradient is 2(θ − 3), with the real
// autograd ops, and watch θ reach 3. SGD with α = 0.1 shrinks the error by a factor
// 1 − 2α = 0.8 per step: after 100 steps it is 3·0.8^100 ≈ 6e-10.
TEST_CASE("optim: SGD and Adam minimise a quadratic built with autograd") {
  auto train = [](Optimizer& opt, Tensor& theta, int steps) {
    for (int i = 0; i < steps; ++i) {
      opt.zero_grad();
      Tensor loss = sum(square(theta - 3.0f));
      backward(loss);
      opt.step();
    }
  };
  Tensor theta = Tensor::from({2}, {0.0f, 10.0f}, /*requires_grad=*/true);
  SUBCASE("SGD") {
    SGD opt({{"theta", theta}}, {.lr = 0.1f});
    train(opt, theta, 100);
    CHECK(theta.data()[0] == doctest::Approx(3.0).epsilon(1e-5));
    CHECK(theta.data()[1] == doctest::Approx(3.0).epsilon(1e-5));
  }
  SUBCASE("SGD with momentum") {
    SGD opt({{"theta", theta}}, {.lr = 0.05f, .momentum = 0.5f});
    train(opt, theta, 100);
    CHECK(theta.data()[0] == doctest::Approx(3.0).epsilon(1e-4));
    CHECK(theta.data()[1] == doctest::Approx(3.0).epsilon(1e-4));
  }
  SUBCASE("Adam") {
    // Adam moves about α per step at first, so 0→3 and 10→3 need a few hundred steps
    // at α = 0.1; it then settles as m averages the shrinking gradient.
    Adam opt({{"theta", theta}}, {.lr = 0.1f});
    train(opt, theta, 500);
    CHECK(theta.data()[0] == doctest::Approx(3.0).epsilon(1e-2));
    CHECK(theta.data()[1] == doctest::Approx(3.0).epsilon(1e-2));
  }
}

// The blocked kernels against a plain reference loop, on sizes that exercise the
// blocks of 8 and the remainder (1, 7, 9, 33), with every option switched on. The
// reference runs in double, so the tolerance is float rounding over 3 steps.
TEST_CASE("optim: SGD and Adam kernels match a naive reference on awkward sizes") {
  for (int n : {1, 7, 9, 33}) {
    CAPTURE(n);
    Rng rng(static_cast<uint64_t>(n));
    const Tensor init = Tensor::randn({n}, rng);
    std::vector<std::vector<float>> grads;
    for (int s = 0; s < 3; ++s) grads.push_back(Tensor::randn({n}, rng).to_vector());

    // SGD, Nesterov momentum 0.9, weight decay 0.01, α = 0.1.
    Tensor w = init.clone();
    w.set_requires_grad(true);
    SGD sgd({{"w", w}}, {.lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.01f, .nesterov = true});
    std::vector<double> theta(init.values().begin(), init.values().end()), b(n, 0.0);
    for (int s = 0; s < 3; ++s) {
      set_grad(w, grads[s]);
      sgd.step();
      for (int i = 0; i < n; ++i) {
        const double g = grads[s][i] + 0.01 * theta[i];
        b[i] = 0.9 * b[i] + g;
        theta[i] -= 0.1 * (g + 0.9 * b[i]);
      }
    }
    for (int i = 0; i < n; ++i) CHECK(w.data()[i] == doctest::Approx(theta[i]).epsilon(1e-5));

    // Adam, weight decay 0.01, α = 0.05.
    Tensor u = init.clone();
    u.set_requires_grad(true);
    Adam adam({{"u", u}}, {.lr = 0.05f, .weight_decay = 0.01f});
    theta.assign(init.values().begin(), init.values().end());
    std::vector<double> m(n, 0.0), v(n, 0.0);
    for (int s = 0; s < 3; ++s) {
      set_grad(u, grads[s]);
      adam.step();
      const int t = s + 1;
      for (int i = 0; i < n; ++i) {
        const double g = grads[s][i] + 0.01 * theta[i];
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.999 * v[i] + 0.001 * g * g;
        const double m_hat = m[i] / (1 - std::pow(0.9, t)), v_hat = v[i] / (1 - std::pow(0.999, t));
        theta[i] -= 0.05 * m_hat / (std::sqrt(v_hat) + 1e-8);
      }
    }
    for (int i = 0; i < n; ++i) CHECK(u.data()[i] == doctest::Approx(theta[i]).epsilon(1e-5));
  }
}
