// ops_shape.cpp — joining, splitting and reshaping. Values are copied (tensors
// have no strides); gradients flow back to the columns they came from.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "autograd/kernels/rows.h"
#include "autograd/ops.h"

namespace aet {

// y = [a, b]     a:(N,A)  b:(N,B)  y:(N,A+B)
// da += dy[:, :A]          db += dy[:, A:]
Tensor concat_cols(const Tensor& a, const Tensor& b) {
  check_2d("concat_cols", a, "a");
  check_2d("concat_cols", b, "b");
  if (a.rows() != b.rows())
    throw std::invalid_argument("concat_cols: " + shape_str(a.shape()) + " and " +
                                shape_str(b.shape()) + " have different numbers of rows");
  const int N = a.rows(), A = a.cols(), B = b.cols();
  Tensor y = Tensor::empty({N, A + B});
  for (int n = 0; n < N; ++n) {
    std::copy_n(a.data() + static_cast<size_t>(n) * A, A, y.data() + static_cast<size_t>(n) * (A + B));
    std::copy_n(b.data() + static_cast<size_t>(n) * B, B, y.data() + static_cast<size_t>(n) * (A + B) + A);
  }
  record("concat_cols", y, {a, b}, [](TapeEntry& e) {
    const int N = e.in[0].rows(), A = e.in[0].cols(), B = e.in[1].cols();
    const float* dy = e.out.grad();
    for (int side = 0; side < 2; ++side) {
      Tensor& t = e.in[side];
      if (!t.requires_grad()) continue;
      const int w = side == 0 ? A : B, off = side == 0 ? 0 : A;
      float* dt = t.grad();
      for (int n = 0; n < N; ++n)
        for (int c = 0; c < w; ++c) dt[static_cast<size_t>(n) * w + c] += dy[static_cast<size_t>(n) * (A + B) + off + c];
    }
  });
  return y;
}

// y = x[:, begin:end]      x:(N,H)  y:(N,end−begin)
// dx[:, begin:end] += dy
Tensor slice_cols(const Tensor& x, int begin, int end) {
  check_2d("slice_cols", x, "input");
  if (begin < 0 || end > x.cols() || begin >= end)
    throw std::invalid_argument("slice_cols: columns [" + std::to_string(begin) + "," +
                                std::to_string(end) + ") are not a non-empty range inside " +
                                shape_str(x.shape()));
  const int N = x.rows(), H = x.cols(), W = end - begin;
  Tensor y = Tensor::empty({N, W});
  for (int n = 0; n < N; ++n)
    std::copy_n(x.data() + static_cast<size_t>(n) * H + begin, W, y.data() + static_cast<size_t>(n) * W);
  record("slice_cols", y, {x}, [begin](TapeEntry& e) {
    const int N = e.in[0].rows(), H = e.in[0].cols(), W = e.out.cols();
    const float* dy = e.out.grad();
    float* dx = e.in[0].grad();
    for (int n = 0; n < N; ++n)
      for (int c = 0; c < W; ++c) dx[static_cast<size_t>(n) * H + begin + c] += dy[static_cast<size_t>(n) * W + c];
  });
  return y;
}

// y = x viewed with a new shape (same elements, same order)    dx += dy
Tensor reshape(const Tensor& x, const Shape& shape) {
  if (shape_size(shape) != x.size())
    throw std::invalid_argument("reshape: cannot view " + shape_str(x.shape()) + " (" +
                                std::to_string(x.size()) + " elements) as " + shape_str(shape) +
                                " (" + std::to_string(shape_size(shape)) + " elements)");
  Tensor y = Tensor::empty(shape);
  std::copy_n(x.data(), x.size(), y.data());
  record("reshape", y, {x}, [](TapeEntry& e) {
    kernels::add_row(e.in[0].grad(), e.out.grad(), e.out.size());  // dx += dy, vectorised in rows.cpp
  });
  return y;
}

}  // namespace aet
