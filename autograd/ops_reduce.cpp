// ops_reduce.cpp — sums and means. Accumulation is in double so that summing
// 100 000 floats does not lose the small ones.
#include <vector>

#include "autograd/ops.h"

namespace aet {

// y = Σ x                  dx += dy (every element)
Tensor sum(const Tensor& x) {
  double s = 0.0;
  for (float v : x.values()) s += v;
  Tensor y = Tensor::full({1}, static_cast<float>(s));
  record("sum", y, {x}, [](TapeEntry& e) {
    const float dy = e.out.grad()[0];
    float* dx = e.in[0].grad();
    for (size_t i = 0, n = e.in[0].size(); i < n; ++i) dx[i] += dy;
  });
  return y;
}

// y = (1/n) Σ x            dx += dy / n
Tensor mean(const Tensor& x) {
  double s = 0.0;
  for (float v : x.values()) s += v;
  Tensor y = Tensor::full({1}, static_cast<float>(s / static_cast<double>(x.size())));
  record("mean", y, {x}, [](TapeEntry& e) {
    const float dy = e.out.grad()[0] / static_cast<float>(e.in[0].size());
    float* dx = e.in[0].grad();
    for (size_t i = 0, n = e.in[0].size(); i < n; ++i) dx[i] += dy;
  });
  return y;
}

// y(1,H) = Σ_n x(n,H)      dx(n,h) += dy(h) for every row n
Tensor sum_rows(const Tensor& x) {
  check_2d("sum_rows", x, "input");
  const int N = x.rows(), H = x.cols();
  std::vector<double> s(H, 0.0);
  const float* X = x.data();
  for (int n = 0; n < N; ++n)
    for (int h = 0; h < H; ++h) s[h] += X[static_cast<size_t>(n) * H + h];
  Tensor y = Tensor::empty({1, H});
  for (int h = 0; h < H; ++h) y.data()[h] = static_cast<float>(s[h]);
  record("sum_rows", y, {x}, [](TapeEntry& e) {
    const int N = e.in[0].rows(), H = e.in[0].cols();
    const float* dy = e.out.grad();
    float* dx = e.in[0].grad();
    for (int n = 0; n < N; ++n)
      for (int h = 0; h < H; ++h) dx[static_cast<size_t>(n) * H + h] += dy[h];
  });
  return y;
}

}  // namespace aet
