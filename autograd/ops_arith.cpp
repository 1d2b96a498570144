// ops_arith.cpp — add, sub, mul, div (same shape or a row broadcast), scalars, neg.
//
// Broadcasting is deliberately narrow: b either has a's shape, or is one row
// (1,H) or (H) added to every row of a (N,H) — the bias case. Its backward sums
// the per-row contributions, because b was used N times.
#include <stdexcept>
#include <string>

#include "autograd/ops.h"
#include "autograd/task.h"

namespace aet {

// Returns the width H of b's broadcast row, or 0 when b has a's shape.
static int broadcast_width(const char* op, const Tensor& a, const Tensor& b) {
  if (a.shape() == b.shape()) return 0;
  const bool b_is_row = (b.ndim() == 1) || (b.ndim() == 2 && b.dim(0) == 1);
  if (a.ndim() == 2 && b_is_row && static_cast<int>(b.size()) == a.cols()) return a.cols();
  throw std::invalid_argument(std::string(op) + ": shapes " + shape_str(a.shape()) + " and " +
                              shape_str(b.shape()) +
                              " do not match (b must have a's shape or be one row of a's width)");
}

// The index into b for element i of a: i itself, or its column under broadcast.
static inline size_t bi(size_t i, int width) { return width ? i % width : i; }

// y = f(a, b) element by element; backward(e, w) gets b's broadcast width w.
template <class F, class G>
static Tensor elementwise2(const char* op, const Tensor& a, const Tensor& b, F f, G backward) {
  const int w = broadcast_width(op, a, b);
  Tensor y = Tensor::empty(a.shape());
  const float *A = a.data(), *B = b.data();
  float* Y = y.data();
  const size_t n = a.size();
  if (w == 0)
    for (size_t i = 0; i < n; ++i) Y[i] = f(A[i], B[i]);
  else
    for (size_t i = 0; i < n; ++i) Y[i] = f(A[i], B[i % w]);
  record(op, y, {a, b}, [w, backward](TapeEntry& e) { backward(e, w); });
  return y;
}

// y = a + b      da += dy      db += dy (summed over rows when broadcast)
Tensor add(const Tensor& a, const Tensor& b) {
  return elementwise2("add", a, b, [](float x, float z) { return x + z; }, [](TapeEntry& e, int w) {
    const float* dy = e.out.grad();
    const size_t n = e.out.size();
    if (e.in[0].requires_grad()) {
      float* da = e.in[0].grad();
      for (size_t i = 0; i < n; ++i) da[i] += dy[i];
    }
    if (e.in[1].requires_grad()) {
      float* db = e.in[1].grad();
      // TASK 0.2 BEGIN: add's gradient for a row b (1,H) broadcast over a (N,H): b was used N times
      for (size_t i = 0; i < n; ++i) db[bi(i, w)] += dy[i];
      // TASK 0.2 STUB
      // if (w != 0) task_not_done("0.2", "write add's backward for a broadcast row b in autograd/ops_arith.cpp");
      // for (size_t i = 0; i < n; ++i) db[i] += dy[i];  // same shapes: db += dy
      // TASK 0.2 END
    }
  });
}

// y = a − b      da += dy      db −= dy
Tensor sub(const Tensor& a, const Tensor& b) {
  return elementwise2("sub", a, b, [](float x, float z) { return x - z; }, [](TapeEntry& e, int w) {
    const float* dy = e.out.grad();
    const size_t n = e.out.size();
    if (e.in[0].requires_grad()) {
      float* da = e.in[0].grad();
      for (size_t i = 0; i < n; ++i) da[i] += dy[i];
    }
    if (e.in[1].requires_grad()) {
      float* db = e.in[1].grad();
      for (size_t i = 0; i < n; ++i) db[bi(i, w)] -= dy[i];
    }
  });
}

// y = a ⊙ b      da += dy ⊙ b      db += dy ⊙ a
Tensor mul(const Tensor& a, const Tensor& b) {
  return elementwise2("mul", a, b, [](float x, float z) { return x * z; }, [](TapeEntry& e, int w) {
    const float *dy = e.out.grad(), *A = e.in[0].data(), *B = e.in[1].data();
    const size_t n = e.out.size();
    if (e.in[0].requires_grad()) {
      float* da = e.in[0].grad();
      for (size_t i = 0; i < n; ++i) da[i] += dy[i] * B[bi(i, w)];
    }
    if (e.in[1].requires_grad()) {
      float* db = e.in[1].grad();
      for (size_t i = 0; i < n; ++i) db[bi(i, w)] += dy[i] * A[i];
    }
  });
}

// y = a / b      da += dy / b      db −= dy · a / b²
Tensor div(const Tensor& a, const Tensor& b) {
  return elementwise2("div", a, b, [](float x, float z) { return x / z; }, [](TapeEntry& e, int w) {
    const float *dy = e.out.grad(), *A = e.in[0].data(), *B = e.in[1].data();
    const size_t n = e.out.size();
    if (e.in[0].requires_grad()) {
      float* da = e.in[0].grad();
      for (size_t i = 0; i < n; ++i) da[i] += dy[i] / B[bi(i, w)];
    }
    if (e.in[1].requires_grad()) {
      float* db = e.in[1].grad();
      for (size_t i = 0; i < n; ++i) {
        const float bv = B[bi(i, w)];
        db[bi(i, w)] -= dy[i] * A[i] / (bv * bv);
      }
    }
  });
}

// y = s · a      da += s · dy
Tensor scale(const Tensor& a, float s) {
  Tensor y = Tensor::empty(a.shape());
  const float* A = a.data();
  float* Y = y.data();
  for (size_t i = 0, n = a.size(); i < n; ++i) Y[i] = s * A[i];
  record("scale", y, {a}, [s](TapeEntry& e) {
    const float* dy = e.out.grad();
    float* da = e.in[0].grad();
    for (size_t i = 0, n = e.out.size(); i < n; ++i) da[i] += s * dy[i];
  });
  return y;
}

// y = a + s      da += dy
Tensor add_scalar(const Tensor& a, float s) {
  Tensor y = Tensor::empty(a.shape());
  const float* A = a.data();
  float* Y = y.data();
  for (size_t i = 0, n = a.size(); i < n; ++i) Y[i] = A[i] + s;
  record("add_scalar", y, {a}, [](TapeEntry& e) {
    const float* dy = e.out.grad();
    float* da = e.in[0].grad();
    for (size_t i = 0, n = e.out.size(); i < n; ++i) da[i] += dy[i];
  });
  return y;
}

// y = −a         da −= dy
Tensor neg(const Tensor& a) {
  Tensor y = Tensor::empty(a.shape());
  const float* A = a.data();
  float* Y = y.data();
  for (size_t i = 0, n = a.size(); i < n; ++i) Y[i] = -A[i];
  record("neg", y, {a}, [](TapeEntry& e) {
    const float* dy = e.out.grad();
    float* da = e.in[0].grad();
    for (size_t i = 0, n = e.out.size(); i < n; ++i) da[i] -= dy[i];
  });
  return y;
}

}  // namespace aet
