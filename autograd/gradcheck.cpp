// gradcheck.cpp — the central difference of gradcheck.h.
#include "autograd/gradcheck.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "autograd/tape.h"

namespace aet {

// L = Σ w ⊙ y in double, with no tape recording.
static double project(const Tensor& y, const std::vector<float>& w) {
  if (y.size() != w.size())
    throw std::runtime_error(fmt::format("gradient_check: the output changed size from {} to {} between calls",
                                         w.size(), y.size()));
  double s = 0.0;
  for (size_t i = 0; i < y.size(); ++i) s += static_cast<double>(y.data()[i]) * w[i];
  return s;
}

GradCheckResult gradient_check(const std::function<Tensor(std::vector<Tensor>&)>& f, std::vector<Tensor> inputs,
                               GradCheckOptions opt, size_t keep) {
  Rng rng(1234);
  tape().clear();
  for (auto& x : inputs) x.zero_grad();
  Tensor y = f(inputs);
  std::vector<float> w(y.size());
  for (float& v : w) v = rng.uniform(-1.0f, 1.0f);
  // Analytic: backward of L = sum(y ⊙ W).
  Tensor L = sum(mul(y, Tensor::from(y.shape(), w)));
  backward(L);

  GradCheckResult result;
  for (size_t k = 0; k < inputs.size(); ++k) {
    Tensor& x = inputs[k];
    if (!x.requires_grad()) continue;
    for (size_t i = 0; i < x.size(); ++i) {
      const float orig = x.data()[i];
      double lp, lm;
      {
        NoGrad no_grad;
        x.data()[i] = static_cast<float>(orig + opt.h);
        lp = project(f(inputs), w);
        x.data()[i] = static_cast<float>(orig - opt.h);
        lm = project(f(inputs), w);
        x.data()[i] = orig;
      }
      const double numeric = (lp - lm) / (2.0 * opt.h);
      const double analytic = x.grad()[i];
      const double tol = opt.atol + opt.rtol * std::max(std::fabs(numeric), std::fabs(analytic));
      if (!(std::fabs(numeric - analytic) <= tol)) {
        if (result.first.size() < keep) result.first.push_back({k, i, numeric, analytic});
        ++result.mismatches;
      }
    }
  }
  tape().clear();
  return result;
}

}  // namespace aet
