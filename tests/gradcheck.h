// gradcheck.h — central-difference gradient checking, used by every op's test.
//
// To check an op f with inputs x₁..xₖ we reduce its output to a scalar with fixed
// random weights, L = Σ w ⊙ f(x), so that every output element matters with a
// different weight (a plain sum would hide a backward that mixes up elements).
// Then for every element of every input:
//   numeric  = (L(x + h) − L(x − h)) / 2h
//   analytic = what backward() put in x.grad
// and we require |numeric − analytic| <= atol + rtol·max(|numeric|, |analytic|).
//
// Why these tolerances for float32: the forward is float (ε ≈ 6e-8 relative), so
// each L evaluation carries an error of about ε·Σ|w·f|; dividing by 2h = 2e-2
// magnifies that to ~1e-5·scale, while the truncation error of the central
// difference is O(h²·f''') ≈ 1e-4 for the smooth ops here. rtol 1e-2 and
// atol 1e-3 sit an order of magnitude above both, and a wrong derivative (a sign,
// a missing factor 2, a swapped index) misses by far more than that.
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "autograd/ops.h"

namespace aet::testing {

struct GradCheckOptions {
  double h = 1e-2;
  double atol = 1e-3;
  double rtol = 1e-2;
};

// L = Σ w ⊙ y in double, with no tape recording.
inline double project(const Tensor& y, const std::vector<float>& w) {
  double s = 0.0;
  for (size_t i = 0; i < y.size(); ++i) s += static_cast<double>(y.data()[i]) * w[i];
  return s;
}

// Checks every element's gradient of every input that requires grad. Returns the
// number of mismatches (each also reported through doctest).
inline int gradcheck(const std::string& name, const std::function<Tensor(std::vector<Tensor>&)>& f,
                     std::vector<Tensor> inputs, GradCheckOptions opt = {}) {
  Rng rng(1234);
  tape().clear();
  for (auto& x : inputs) x.zero_grad();
  Tensor y = f(inputs);
  std::vector<float> w(y.size());
  for (float& v : w) v = rng.uniform(-1.0f, 1.0f);
  // Analytic: backward of L = sum(y ⊙ W).
  Tensor W = Tensor::from(y.shape(), w);
  Tensor L = sum(mul(y, W));
  backward(L);

  int bad = 0;
  for (size_t k = 0; k < inputs.size(); ++k) {
    Tensor& x = inputs[k];
    if (!x.requires_grad()) continue;
    for (size_t i = 0; i < x.size(); ++i) {
      const float orig = x.data()[i];
      double lp, lm;
      {
        NoGrad ng;
        x.data()[i] = static_cast<float>(orig + opt.h);
        lp = project(f(inputs), w);
        x.data()[i] = static_cast<float>(orig - opt.h);
        lm = project(f(inputs), w);
        x.data()[i] = orig;
      }
      const double numeric = (lp - lm) / (2.0 * opt.h);
      const double analytic = x.grad()[i];
      const double tol = opt.atol + opt.rtol * std::max(std::fabs(numeric), std::fabs(analytic));
      if (std::fabs(numeric - analytic) > tol) {
        if (bad < 5)
          FAIL_CHECK(name << ": input " << k << " element " << i << ": analytic " << analytic
                          << " vs numeric " << numeric);
        ++bad;
      }
    }
  }
  CHECK_MESSAGE(bad == 0, name << ": " << bad << " gradient mismatches");
  return bad;
}

// A random tensor requiring grad, values in [lo, hi).
inline Tensor rand_param(const Shape& s, Rng& rng, float lo = -1.0f, float hi = 1.0f) {
  return Tensor::uniform(s, rng, lo, hi, true);
}

// Random values kept at least `gap` away from zero (for ops with a kink at 0).
inline Tensor rand_away_from_zero(const Shape& s, Rng& rng, float gap = 0.1f) {
  Tensor t = Tensor::uniform(s, rng, -1.0f, 1.0f, true);
  for (float& v : t.values()) v = v < 0 ? v - gap : v + gap;
  return t;
}

}  // namespace aet::testing
