// gradcheck.h — central-difference gradient checking, as every op's test and the
// coursework checker use it (and as a student can, to check a backward of their own).
//
// To check an op f with inputs x₁..xₖ we reduce its output to a scalar with fixed
// random weights, L = Σ w ⊙ f(x), so that every output element matters with a
// different weight (a plain sum would hide a backward that mixes up elements).
// Then for every element of every input that requires grad:
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
#include <cstddef>
#include <functional>
#include <vector>

#include "autograd/tensor.h"

namespace aet {

struct GradCheckOptions {
  double h = 1e-2;
  double atol = 1e-3;
  double rtol = 1e-2;
};

// One element whose analytic gradient misses the central difference.
struct GradMismatch {
  size_t input = 0;    // which of the inputs
  size_t element = 0;  // flat index into it
  double numeric = 0, analytic = 0;
};

struct GradCheckResult {
  size_t mismatches = 0;            // how many elements missed, in all
  std::vector<GradMismatch> first;  // the first few of them, in order
  bool ok() const { return mismatches == 0; }
};

// Checks every element of every input that requires grad; keeps the first `keep`
// mismatches. f must be deterministic (draw any randomness from an Rng it seeds itself);
// throws std::runtime_error when f's output changes size between calls. Leaves the
// inputs' values as they were and the tape empty.
GradCheckResult gradient_check(const std::function<Tensor(std::vector<Tensor>&)>& f, std::vector<Tensor> inputs,
                               GradCheckOptions opt = {}, size_t keep = 5);

}  // namespace aet
