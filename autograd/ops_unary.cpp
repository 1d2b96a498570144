// ops_unary.cpp — element-wise functions y = f(x) and their derivatives.
//
// Each backward is dx += dy ⊙ f'(x), with f'(x) written in terms of whichever of
// x or y is cheaper (sigmoid' = y(1−y), tanh' = 1−y², exp' = y).
#include <cmath>
#include <stdexcept>
#include <string>

#include "autograd/loss_kernels.h"
#include "autograd/ops.h"
#include "autograd/thread_pool.h"

namespace aet {

// The loops below run in full blocks of 8 elements, then the n mod 8 left over: a fixed
// trip count is what GCC's -O2 vectoriser accepts (see nn/optim.cpp). Sizes and pointers
// are read once, before the loop: a call such as x.size() in the loop condition would
// run on every element and keep the loop scalar.
template <class F>
static void map_blocked(size_t n, const float* __restrict X, float* __restrict Y, F f) {
  size_t i0 = 0;
  for (; i0 + 8 <= n; i0 += 8)
    for (size_t i = i0; i < i0 + 8; ++i) Y[i] = f(X[i]);
  for (size_t i = i0; i < n; ++i) Y[i] = f(X[i]);
}

template <class F>
static Tensor unary(const char* op, const Tensor& x, F f, void (*backward)(TapeEntry&),
                    float scalar = 0.0f) {
  Tensor y = Tensor::empty(x.shape());
  map_blocked(x.size(), x.data(), y.data(), f);
  record(op, y, {x}, backward, scalar);
  return y;
}

// The loop every backward here shares: dx[i] += dy[i] · g(x[i], y[i]).
template <class G>
static void chain_blocked(size_t n, const float* __restrict dy, const float* __restrict X,
                          const float* __restrict Y, float* __restrict dx, G g) {
  size_t i0 = 0;
  for (; i0 + 8 <= n; i0 += 8)
    for (size_t i = i0; i < i0 + 8; ++i) dx[i] += dy[i] * g(X[i], Y[i]);
  for (size_t i = i0; i < n; ++i) dx[i] += dy[i] * g(X[i], Y[i]);
}

template <class G>
static void chain(TapeEntry& e, G g) {
  chain_blocked(e.out.size(), e.out.grad(), e.in[0].data(), e.out.data(), e.in[0].grad(), g);
}

// dx += dy · [x > 0], with the bracket as a float conversion of the comparison: the
// vectoriser makes that a compare and a mask, where chain()'s branch stayed scalar.
static void relu_backward(size_t n, const float* __restrict dy, const float* __restrict X,
                          float* __restrict dx) {
  size_t i0 = 0;
  for (; i0 + 8 <= n; i0 += 8)
    for (size_t i = i0; i < i0 + 8; ++i) dx[i] += dy[i] * static_cast<float>(X[i] > 0.0f);
  for (size_t i = i0; i < n; ++i) dx[i] += dy[i] * static_cast<float>(X[i] > 0.0f);
}

// y = max(0, x)            dx += dy · [x > 0]
Tensor relu(const Tensor& x) {
  return unary("relu", x, [](float v) { return v > 0.0f ? v : 0.0f; }, [](TapeEntry& e) {
    relu_backward(e.out.size(), e.out.grad(), e.in[0].data(), e.in[0].grad());
  });
}

// y = x (x > 0), s·x else  dx += dy · (x > 0 ? 1 : s)
Tensor leaky_relu(const Tensor& x, float slope) {
  Tensor y = Tensor::empty(x.shape());
  map_blocked(x.size(), x.data(), y.data(), [slope](float v) { return v > 0.0f ? v : slope * v; });
  record("leaky_relu", y, {x}, [](TapeEntry& e) {
    const float s = e.scalar;
    chain(e, [s](float xv, float) { return xv > 0.0f ? 1.0f : s; });
  }, slope);
  return y;
}

// y = 1 / (1 + e^−x)       dx += dy · y(1 − y)
// The forward loop is detail::sigmoid_plain (below), or its AVX2 twin on CPUs that have it.
Tensor sigmoid(const Tensor& x) {
  Tensor y = Tensor::empty(x.shape());
  const float* X = x.data();
  float* Y = y.data();
  parallel_chunks(x.size(), 1 << 15, [&](size_t lo, size_t hi) { detail::sigmoid_fast(X + lo, Y + lo, hi - lo); });
  record("sigmoid", y, {x}, [](TapeEntry& e) {
    chain(e, [](float, float yv) { return yv * (1.0f - yv); });
  });
  return y;
}

namespace detail {

void sigmoid_plain(const float* X, float* Y, size_t n) {
  for (size_t i = 0; i < n; ++i) {  // two branches so that e^|x| never overflows
    if (X[i] >= 0.0f) {
      Y[i] = 1.0f / (1.0f + std::exp(-X[i]));
    } else {
      const float ex = std::exp(X[i]);
      Y[i] = ex / (1.0f + ex);
    }
  }
}

void sigmoid_fast(const float* X, float* Y, size_t n) {
  if (cpu_has_avx2_fma()) sigmoid_avx2(X, Y, n);
  else sigmoid_plain(X, Y, n);
}

}  // namespace detail

// y = tanh x               dx += dy · (1 − y²)
Tensor tanh(const Tensor& x) {
  return unary("tanh", x, [](float v) { return std::tanh(v); }, [](TapeEntry& e) {
    chain(e, [](float, float yv) { return 1.0f - yv * yv; });
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
