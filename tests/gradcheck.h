// gradcheck.h — the doctest face of autograd/gradcheck.h, used by every op's test:
// each mismatch (the first five) becomes a failed check naming the input and element.
#pragma once
#include <doctest/doctest.h>

#include <string>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"

namespace aet::testing {

using aet::GradCheckOptions;

// Checks every element's gradient of every input that requires grad (see
// autograd/gradcheck.h for L = Σ w ⊙ f(x) and the tolerances). Returns the number of
// mismatches (each of the first five also reported through doctest).
inline int gradcheck(const std::string& name, const std::function<Tensor(std::vector<Tensor>&)>& f,
                     std::vector<Tensor> inputs, GradCheckOptions opt = {}) {
  const GradCheckResult r = gradient_check(f, std::move(inputs), opt);
  for (const GradMismatch& m : r.first)
    FAIL_CHECK(name << ": input " << m.input << " element " << m.element << ": analytic " << m.analytic
                    << " vs numeric " << m.numeric);
  CHECK_MESSAGE(r.ok(), name << ": " << r.mismatches << " gradient mismatches");
  return static_cast<int>(r.mismatches);
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
