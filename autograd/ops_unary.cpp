// ops_unary.cpp — element-wise functions y = f(x) and their derivatives.
//
// Each backward is dx += dy ⊙ f'(x), with f'(x) written in terms of whichever of
// x or y is cheaper (sigmoid' = y(1−y), tanh' = 1−y², exp' = y).
#include <cmath>
#include <stdexcept>
#include <string>

#include "autograd/kernels/rows.h"
#include "autograd/kernels/sigmoid_bce.h"
#include "autograd/ops.h"
#include "autograd/task.h"

namespace aet {

// y = f(x), element by element.
template <class F>
static Tensor unary(const char* op, const Tensor& x, F f, Backward backward) {
  Tensor y = Tensor::empty(x.shape());
  const float* X = x.data();
  float* Y = y.data();
  for (size_t i = 0, n = x.size(); i < n; ++i) Y[i] = f(X[i]);
  record(op, y, {x}, std::move(backward));
  return y;
}

// The backward every op here shares: dx += dy ⊙ g(x, y), element by element.
template <class G>
static void chain(TapeEntry& e, G g) {
  const float *dy = e.out.grad(), *X = e.in[0].data(), *Y = e.out.data();
  float* dx = e.in[0].grad();
  for (size_t i = 0, n = e.out.size(); i < n; ++i) dx[i] += dy[i] * g(X[i], Y[i]);
}

// y = max(0, x)            dx += dy · [x > 0]
// Both loops are kernels (rows.h; plain twins: unary and chain above, with the two lambdas
// of leaky_relu at slope 0): this file is built at -O2, which does not vectorise them, and
// the conv models run ReLU on every activation.
Tensor relu(const Tensor& x) {
  Tensor y = Tensor::empty(x.shape());
  kernels::relu_forward_row(y.data(), x.data(), x.size());
  record("relu", y, {x}, [](TapeEntry& e) {
    kernels::relu_backward_row(e.in[0].grad(), e.out.grad(), e.in[0].data(), e.out.size());
  });
  return y;
}

// y = x (x > 0), s·x else  dx += dy · (x > 0 ? 1 : s)
Tensor leaky_relu(const Tensor& x, float slope) {
  return unary("leaky_relu", x, [slope](float v) { return v > 0.0f ? v : slope * v; }, [slope](TapeEntry& e) {
    chain(e, [slope](float xv, float) { return xv > 0.0f ? 1.0f : slope; });
  });
}

// y = 1 / (1 + e^−x)       dx += dy · y(1 − y)
// The forward is a kernel (sigmoid_bce.h): two branches so that e^|x| never overflows, in
// AVX2 on CPUs that have it; its plain twin is kernels::sigmoid_plain.
Tensor sigmoid(const Tensor& x) {
  Tensor y = kernels::sigmoid_forward(x);
  record("sigmoid", y, {x}, [](TapeEntry& e) {
    // TASK 1.1 BEGIN: sigmoid's backward, dx += dy · y(1 − y)
    chain(e, [](float, float yv) { return yv * (1.0f - yv); });
    // TASK 1.1 STUB
    // (void)e;
    // task_not_done("1.1", "write sigmoid's backward in autograd/ops_unary.cpp");
    // TASK 1.1 END
  });
  return y;
}

// y = tanh x               dx += dy · (1 − y²)
Tensor tanh(const Tensor& x) {
  return unary("tanh", x, [](float v) { return std::tanh(v); }, [](TapeEntry& e) {
    // TASK 0.1 BEGIN: tanh's backward, dx += dy · (1 − y²)
    chain(e, [](float, float yv) { return 1.0f - yv * yv; });
    // TASK 0.1 STUB
    // (void)e;
    // task_not_done("0.1", "write tanh's backward in autograd/ops_unary.cpp");
    // TASK 0.1 END
  });
}

// y = e^x                  dx += dy · y
Tensor exp(const Tensor& x) {
  return unary("exp", x, [](float v) { return std::exp(v); }, [](TapeEntry& e) {
    chain(e, [](float, float yv) { return yv; });
  });
}

static void check_domain(const char* op, const Tensor& x, bool strictly_positive) {
  const float* X = x.data();
  const size_t n = x.size();
  for (size_t i = 0; i < n; ++i) {
    const bool bad = strictly_positive ? !(X[i] > 0.0f) : !(X[i] >= 0.0f);
    if (bad)
      throw std::domain_error(std::string(op) + ": input " + shape_str(x.shape()) + " has " +
                              std::to_string(X[i]) + " at element " + std::to_string(i) +
                              (strictly_positive ? "; log needs every input > 0"
                                                 : "; sqrt needs every input >= 0"));
  }
}

// y = ln x  (x > 0)        dx += dy / x
Tensor log(const Tensor& x) {
  check_domain("log", x, true);
  return unary("log", x, [](float v) { return std::log(v); }, [](TapeEntry& e) {
    chain(e, [](float xv, float) { return 1.0f / xv; });
  });
}

// y = x²                   dx += dy · 2x
Tensor square(const Tensor& x) {
  return unary("square", x, [](float v) { return v * v; }, [](TapeEntry& e) {
    chain(e, [](float xv, float) { return 2.0f * xv; });
  });
}

// y = √x  (x >= 0)         dx += dy / (2y)   (infinite at x = 0, as the math says)
Tensor sqrt(const Tensor& x) {
  check_domain("sqrt", x, false);
  return unary("sqrt", x, [](float v) { return std::sqrt(v); }, [](TapeEntry& e) {
    chain(e, [](float, float yv) { return 0.5f / yv; });
  });
}

}  // namespace aet
