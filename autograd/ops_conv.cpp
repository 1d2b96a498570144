// ops_conv.cpp — 2-d convolution and its transpose on NCHW tensors.
//
// Both ops share one description, the geometry of a convolution (kernels::ConvGeom in
// autograd/kernels/conv.h), and their kernels: im2col + gemm for conv2d, and the same two
// steps read backwards for conv_transpose2d, which is conv2d's input gradient. The plain
// seven-loop twins sit beside the fast kernels in autograd/kernels/conv.cpp.
#include <stdexcept>
#include <string>

#include "autograd/kernels/conv.h"
#include "autograd/ops.h"

namespace aet {

using kernels::ConvGeom;

static std::string str(int v) { return std::to_string(v); }

static void check_4d(const char* op, const Tensor& t, const char* name, const char* dims) {
  if (t.ndim() != 4)
    throw std::invalid_argument(std::string(op) + ": " + name + " must be 4-d " + dims + ", got " +
                                shape_str(t.shape()));
}

// b: empty, (n) or (1,n).
static void check_bias(const char* op, const Tensor& b, int n, const Tensor& w) {
  if (!b.defined()) return;
  const bool ok = b.size() == size_t(n) && (b.ndim() == 1 || (b.ndim() == 2 && b.dim(0) == 1));
  if (!ok)
    throw std::invalid_argument(std::string(op) + ": bias has shape " + shape_str(b.shape()) +
                                ", expected (" + str(n) + ") or (1," + str(n) + ") to match weight " +
                                shape_str(w.shape()));
}

static void check_stride_padding(const char* op, int stride, int padding) {
  if (stride < 1) throw std::invalid_argument(std::string(op) + ": stride must be >= 1, got " + str(stride));
  if (padding < 0) throw std::invalid_argument(std::string(op) + ": padding must be >= 0, got " + str(padding));
}

static std::string channels(int c) { return str(c) + (c == 1 ? " channel" : " channels"); }

// x (N,C,H,W), w (K,C,R,S): the checks, then P = (H + 2·pad − R)/stride + 1, Q likewise.
static ConvGeom conv2d_geometry(const char* op, const Tensor& x, const Tensor& w, const Tensor& b, int stride,
                                int padding) {
  check_4d(op, x, "input", "(N,C,H,W)");
  check_4d(op, w, "weight", "(K,C,R,S)");
  if (x.dim(1) != w.dim(1))
    throw std::invalid_argument(std::string(op) + ": input " + shape_str(x.shape()) + " has " +
                                channels(x.dim(1)) + ", weight " + shape_str(w.shape()) + " expects " +
                                str(w.dim(1)));
  check_bias(op, b, w.dim(0), w);
  check_stride_padding(op, stride, padding);
  ConvGeom g{x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), w.dim(3), stride, padding};
  if (g.H + 2 * padding < g.R || g.W + 2 * padding < g.S)
    throw std::invalid_argument(std::string(op) + ": input " + shape_str(x.shape()) + " is " + str(g.H) +
                                "x" + str(g.W) + " with padding " + str(padding) + ", smaller than the " +
                                str(g.R) + "x" + str(g.S) + " kernel of weight " + shape_str(w.shape()));
  g.P = (g.H + 2 * padding - g.R) / stride + 1;
  g.Q = (g.W + 2 * padding - g.S) / stride + 1;
  return g;
}

// y[n,k,p,q] = b[k] + Σ_c,r,s x[n, c, p·stride − pad + r, q·stride − pad + s] · w[k,c,r,s]
//   x (N,C,H,W)   w (K,C,R,S)   b (K)   y (N,K,P,Q)     (outside the image x reads as 0)
// As matrices, per image: Y (K, P·Q) = W (K, C·R·S) · col(x) (C·R·S, P·Q), so
//   dW += dY · col(x)ᵀ     dx += col2im(Wᵀ · dY)     db[k] += Σ_n,p,q dY[n,k,p,q]
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride, int padding) {
  const ConvGeom g = conv2d_geometry("conv2d", x, w, b, stride, padding);
  Tensor y = kernels::conv2d_forward(x, w, b, g, /*relu=*/false);  // plain twin: conv2d_forward_direct
  record("conv2d", y, {x, w, b}, [g](TapeEntry& e) {
    kernels::conv2d_backward(e.in[0], e.in[1], e.in[2], e.out, g, /*relu=*/false);
  });
  return y;
}

// y = relu(conv2d(x, w, b)) as one op, as linear_relu is for linear: the kernel applies the
// ReLU as it writes y, and the backward reads dY as dY · [y > 0] as it reads it, i.e. with
// h the conv's output, dh = dY where y > 0 and 0 elsewhere, then conv2d's backward of dh.
// The same values and gradients as relu(conv2d(...)), without the ReLU's pass over the
// activations and its gradient buffer (the conv VAE's ReLUs were 11 % of its epoch).
Tensor conv2d_relu(const Tensor& x, const Tensor& w, const Tensor& b, int stride, int padding) {
  const ConvGeom g = conv2d_geometry("conv2d_relu", x, w, b, stride, padding);
  Tensor y = kernels::conv2d_forward(x, w, b, g, /*relu=*/true);
  record("conv2d_relu", y, {x, w, b}, [g](TapeEntry& e) {
    kernels::conv2d_backward(e.in[0], e.in[1], e.in[2], e.out, g, /*relu=*/true);
  });
  return y;
}

// x (N,C_in,H,W), w (C_in,C_out,R,S): the checks, then the geometry of the conv2d whose input
// gradient this op is: that conv2d reads images (N,C_out,H_out,W_out) with K = C_in filters
// and produces (N,C_in,H,W). H_out = (H − 1)·stride − 2·pad + R + output_padding.
static ConvGeom conv_transpose2d_geometry(const char* op, const Tensor& x, const Tensor& w, const Tensor& b,
                                          int stride, int padding, int output_padding) {
  check_4d(op, x, "input", "(N,C_in,H,W)");
  check_4d(op, w, "weight", "(C_in,C_out,R,S)");
  if (x.dim(1) != w.dim(0))
    throw std::invalid_argument(std::string(op) + ": input " + shape_str(x.shape()) + " has " +
                                channels(x.dim(1)) + ", weight " + shape_str(w.shape()) + " expects " +
                                str(w.dim(0)) + " (its first dimension, C_in)");
  check_bias(op, b, w.dim(1), w);
  check_stride_padding(op, stride, padding);
  if (output_padding < 0 || output_padding >= stride)
    throw std::invalid_argument(std::string(op) + ": output_padding must be >= 0 and smaller than the stride " +
                                str(stride) + ", got " + str(output_padding));
  const int R = w.dim(2), S = w.dim(3);
  const int H = (x.dim(2) - 1) * stride - 2 * padding + R + output_padding;
  const int W = (x.dim(3) - 1) * stride - 2 * padding + S + output_padding;
  if (H < 1 || W < 1)
    throw std::invalid_argument(std::string(op) + ": input " + shape_str(x.shape()) + " with stride " +
                                str(stride) + ", padding " + str(padding) + " and a " + str(R) + "x" + str(S) +
                                " kernel gives an empty " + str(H) + "x" + str(W) + " output; lower the padding");
  return ConvGeom{x.dim(0), w.dim(1), H, W, w.dim(0), R, S, stride, padding, x.dim(2), x.dim(3)};
}

// The adjoint of conv2d's map from its input to its output, with the same w:
//   y[n, c, p·stride − pad + r, q·stride − pad + s] += x[n,k,p,q] · w[k,c,r,s], then + b[c]
//   x (N,C_in,H,W)   w (C_in,C_out,R,S)   b (C_out)   y (N,C_out,H_out,W_out)   (k over C_in, c over C_out)
// As matrices, per image: y = col2im(Wᵀ · X), X (C_in, H·W), so
//   dx += W · col(dy)     dW += X · col(dy)ᵀ     db[c] += Σ_n,h,w dy[n,c,h,w]
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride, int padding,
                        int output_padding) {
  const ConvGeom g = conv_transpose2d_geometry("conv_transpose2d", x, w, b, stride, padding, output_padding);
  Tensor y = kernels::conv_transpose2d_forward(x, w, b, g, /*relu=*/false);  // plain twin: conv_transpose2d_forward_direct
  record("conv_transpose2d", y, {x, w, b}, [g](TapeEntry& e) {
    kernels::conv_transpose2d_backward(e.in[0], e.in[1], e.in[2], e.out, g, /*relu=*/false);
  });
  return y;
}

// y = relu(conv_transpose2d(x, w, b)) as one op, the ReLU fused as in conv2d_relu.
Tensor conv_transpose2d_relu(const Tensor& x, const Tensor& w, const Tensor& b, int stride, int padding,
                             int output_padding) {
  const ConvGeom g = conv_transpose2d_geometry("conv_transpose2d_relu", x, w, b, stride, padding, output_padding);
  Tensor y = kernels::conv_transpose2d_forward(x, w, b, g, /*relu=*/true);
  record("conv_transpose2d_relu", y, {x, w, b}, [g](TapeEntry& e) {
    kernels::conv_transpose2d_backward(e.in[0], e.in[1], e.in[2], e.out, g, /*relu=*/true);
  });
  return y;
}

}  // namespace aet
