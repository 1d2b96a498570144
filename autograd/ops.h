// ops.h — every differentiable op of the toolkit, with its shapes.
//
// Each op computes its forward value now and, when an input requires a gradient,
// records one entry on the tape whose backward adds (+=) the op's contribution to
// its inputs' gradients. The derivative of each op is written beside its code in
// the ops_*.cpp files. Shape letters: N batch, D input, H hidden, Z latent, C classes.
// A wrong shape throws std::invalid_argument naming the op and both shapes.
#pragma once
#include <span>

#include "autograd/tape.h"
#include "autograd/tensor.h"

namespace aet {

// ---- products (ops_matmul.cpp) ------------------------------------------------
Tensor matmul(const Tensor& a, const Tensor& b);     // (N,K)·(K,M) -> (N,M)
Tensor matmul_tn(const Tensor& a, const Tensor& b);  // aᵀ·b: a (K,N), b (K,M) -> (N,M)
Tensor matmul_nt(const Tensor& a, const Tensor& b);  // a·bᵀ: a (N,K), b (M,K) -> (N,M)
// The layer op: x (N,D) · W (D,H) + b (1,H) -> (N,H). b may be empty (no bias).
Tensor linear(const Tensor& x, const Tensor& W, const Tensor& b);
// relu(linear(x, W, b)) fused into one op (one pass for bias + ReLU, no separate ReLU
// gradient buffer). Same values and gradients as the two ops; Linear/MLP use it for ReLU.
Tensor linear_relu(const Tensor& x, const Tensor& W, const Tensor& b);

// ---- convolutions on NCHW images (ops_conv.cpp) --------------------------------------
// x (N,C,H,W), w (K,C,R,S), b (K) or (1,K) or empty -> (N,K,P,Q), P = (H + 2·padding − R)/stride + 1.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride = 1, int padding = 0);
// conv2d's input gradient as an op (the decoder's upsampling), weights laid out as PyTorch's:
// x (N,C_in,H,W), w (C_in,C_out,R,S), b (C_out) -> (N,C_out,H_out,W_out),
// H_out = (H − 1)·stride − 2·padding + R + output_padding, 0 <= output_padding < stride.
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride = 1,
                        int padding = 0, int output_padding = 0);
// relu(conv2d(...)) and relu(conv_transpose2d(...)) fused into one op each, as linear_relu:
// the same values and gradients, without the ReLU's pass and gradient buffer. The
// Conv2d / ConvTranspose2d layers use them for ReLU.
Tensor conv2d_relu(const Tensor& x, const Tensor& w, const Tensor& b, int stride = 1, int padding = 0);
Tensor conv_transpose2d_relu(const Tensor& x, const Tensor& w, const Tensor& b, int stride = 1,
                             int padding = 0, int output_padding = 0);

// ---- arithmetic (ops_arith.cpp) -------------------------------------------------
// b has a's shape, or is a row vector (1,H) or (H) broadcast over a's rows (N,H).
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& a, float s);      // s · a
Tensor add_scalar(const Tensor& a, float s); // a + s
Tensor neg(const Tensor& a);

// ---- element-wise functions (ops_unary.cpp) -----------------------------------
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, float slope = 0.01f);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);    // x > 0 (checked: a non-positive input is an error)
Tensor square(const Tensor& x);
Tensor sqrt(const Tensor& x);   // x >= 0 (checked)

// ---- reductions (ops_reduce.cpp) ----------------------------------------------
Tensor sum(const Tensor& x);       // every element -> (1)
Tensor mean(const Tensor& x);      // every element -> (1)
Tensor sum_rows(const Tensor& x);  // (N,H) -> (1,H): sum over the rows (the batch)

// ---- shapes (ops_shape.cpp) -------------------------------------------------------
Tensor concat_cols(const Tensor& a, const Tensor& b);          // (N,A),(N,B) -> (N,A+B)
Tensor slice_cols(const Tensor& x, int begin, int end);        // (N,H) -> (N,end-begin)
Tensor reshape(const Tensor& x, const Shape& shape);           // same number of elements

// ---- fused, numerically stable losses (ops_loss.cpp) ----------------------------
// Binary cross-entropy on logits, summed over each row's columns and averaged over
// rows: (1/N) Σ_n Σ_d [ softplus(l) − t·l ]. logits, targets (N,D), t in [0,1].
Tensor bce_with_logits(const Tensor& logits, const Tensor& targets);
// Softmax cross-entropy on logits averaged over rows: logits (N,C), labels N ints in [0,C).
Tensor softmax_cross_entropy(const Tensor& logits, std::span<const int> labels);
// Mean squared error over every element: mean((p − t)²). p, t same shape.
Tensor mse(const Tensor& pred, const Tensor& target);

// ---- clustering (ops_cluster.cpp) ------------------------------------------------------
// DEC's soft assignment: Student-t kernel q_ij ∝ (1 + ‖z_i − μ_j‖²/α)^(−(α+1)/2), each
// row normalised to sum to 1. z (N,Z) codes, mu (K,Z) centroids -> q (N,K). alpha > 0.
Tensor student_t_assign(const Tensor& z, const Tensor& mu, float alpha = 1.0f);

// ---- operators, for equations that read like the tutorials ----------------------
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator*(const Tensor& a, float s) { return scale(a, s); }
inline Tensor operator*(float s, const Tensor& a) { return scale(a, s); }
inline Tensor operator+(const Tensor& a, float s) { return add_scalar(a, s); }
inline Tensor operator+(float s, const Tensor& a) { return add_scalar(a, s); }
inline Tensor operator-(const Tensor& a, float s) { return add_scalar(a, -s); }
inline Tensor operator-(const Tensor& a) { return neg(a); }

}  // namespace aet
