// conv.h — the kernels behind conv2d and conv_transpose2d (autograd/ops_conv.cpp).
//
// Both ops are described by the geometry of one 2-d convolution, NCHW, no dilation:
//   image   (N,C,H,W)   filters (K,C,R,S)   output (N,K,P,Q)
//   out[n,k,p,q] = b[k] + Σ_c Σ_r Σ_s img[n, c, p·stride − pad + r, q·stride − pad + s] · w[k,c,r,s]
// (pixels outside the image read as 0). conv2d maps image → output. conv_transpose2d is
// that convolution's input gradient run as a forward pass: it maps an (N,K,P,Q) tensor back
// to (N,C,H,W) with the same w, which is why PyTorch stores its weight as (C_in, C_out, R, S):
// here C_in = K and C_out = C.
//
// The fast versions lower the convolution to one GEMM per chunk of G images (Caffe's and
// darknet's im2col, batched):
//   col (C·R·S, G·P·Q)   col[(c·R + r)·S + s, g·P·Q + p·Q + q] = img[g, c, p·st − pad + r, q·st − pad + s]
//   conv2d forward       Y_m (K, G·P·Q) = w (K, C·R·S) · col                  then to (G,K,P,Q) + b
//   conv2d backward      dw += dY_m · colᵀ      dcol = wᵀ · dY_m, then col2im (the adjoint of im2col)
//   transpose forward    col = wᵀ · X_m,  then col2im into the (G,C,H,W) output + b
//   transpose backward   col = im2col(dY),  dX_m = w · col,  dw += X_m · colᵀ
// where X_m, Y_m (K, G·P·Q) are the (G,K,P,Q) tensors with channels outermost, so that all G
// images go through one large product instead of G small ones. G is the number of images
// whose col and (K, G·P·Q) matrices fit in kConvScratchFloats each (at least one image): the
// scratch buffers are bounded whatever the batch, allocated once per thread and reused by
// every later call. The chunking depends on the shapes only, never on the thread count, and
// gemm, im2col and col2im give the same bits on any thread count, so the results do too.
//
// For a few filters (K <= kStencilMaxFilters) conv2d skips im2col and the GEMM: the *_stencil
// versions (conv_stencil.cpp) sum shifted input rows straight into each output plane.
//
// The *_direct versions are the seven loops of the equation above and of its derivatives
// (the forwards accumulate in double); tests/test_conv.cpp checks the fast versions against them.
// The op checks the shapes before calling these; b may be an empty Tensor (no bias).
#pragma once
#include <algorithm>
#include <cstddef>

#include "autograd/tensor.h"
#include "autograd/thread_pool.h"

namespace aet::kernels {

struct ConvGeom {
  int N = 0, C = 0, H = 0, W = 0;  // the image side
  int K = 0, R = 0, S = 0;         // K filters of C×R×S
  int stride = 1, pad = 0;
  int P = 0, Q = 0;                // the output side, (H + 2·pad − R)/stride + 1 and the same for W
};

// Floats in each scratch buffer at most (512 KiB, Zen 3's L2), unless a single image needs
// more. Smaller chunks keep what im2col writes warm for the GEMM's packing, and what the GEMM
// writes warm for col2im: bench/conv_layers on a 2-core AMD EPYC (Zen 3), CPU time, ran the
// transposed convolutions ~15 % faster at 2^16-2^17 floats than at 2^20 (4 MiB).
inline constexpr size_t kConvScratchFloats = size_t(1) << 17;
// Images per chunk for this geometry (1 ≤ G ≤ N).
int conv_images_per_chunk(const ConvGeom& g);
// Floats held by this thread's scratch buffers right now (tests check the bound).
size_t conv_scratch_floats();

// Runs f(lo, hi) over [0, rows) split across the threads, from 2^15 floats of work up
// (below that, waking the threads costs more than it saves). Each row is written by one
// thread only, in the same order whatever the split, so the results do not depend on it.
template <class F>
void conv_over_rows(int rows, size_t row_len, F f) {
  const size_t min_rows = (size_t(1) << 15) / std::max<size_t>(row_len, 1);
  parallel_chunks(size_t(rows), min_rows, [&](size_t lo, size_t hi) { f(int(lo), int(hi)); }, 1);
}
// The output columns q whose filter tap s reads inside the image, lo <= q < hi: the column
// q·stride − pad + s must lie in [0, W).
void conv_inside_columns(const ConvGeom& g, int s, int* lo, int* hi);
// db[c] += Σ_n Σ_l t[n, c, l]   (t is (N, C, L)); each channel summed in one fixed order.
// With a mask (the fused ReLU's output y, same layout) t[n,c,l] counts only where y > 0.
void conv_add_channel_sums(const float* t, int N, int C, size_t L, float* db, const float* mask = nullptr);

// The lowering, on images n0 .. n0+G−1 of img (N,C,H,W); col is (C·R·S, G·P·Q). With a
// mask (laid out as img) a pixel reads as img where mask > 0 and as 0 elsewhere: the fused
// ReLU's backward, dY · [y > 0], lowered without being written out first.
void im2col(const float* img, const ConvGeom& g, int n0, int G, float* col, const float* mask = nullptr);
// img += the adjoint of im2col applied to col (each pixel sums every col entry read from it).
void col2im(const float* col, const ConvGeom& g, int n0, int G, float* img);
// col2im's fast twin for stride > 1 (col2im_phases.cpp): each image plane split into its
// stride² phase planes, so that every filter tap adds contiguous rows; the same bits. ends
// say how each plane starts, by default from what img holds (img += ...), with overwrite from
// bias[c] (0 without one) without reading img, and whether the ReLU is applied to the sums.
struct Col2imEnds {
  bool overwrite = false;
  const float* bias = nullptr;
  bool relu = false;
};
void col2im_phases(const float* col, const ConvGeom& g, int n0, int G, float* img, const Col2imEnds& ends = {});
// The fast twins for stride 2 whose rows fit in 16-float registers (the models' layers;
// conv_rows.cpp), each row loaded, combined and stored whole. col2im_rows sums every image
// row in two AVX-512 registers (its even and odd pixels), images up to 32 wide; im2col_rows
// gathers the three col rows of a 3-wide filter row (P·Q with Q <= 15) from one pair of
// 16-float loads, with mask as im2col's mask above. The same bits as col2im and im2col.
// They run only with the avx512 GEMM kernel (conv_rows_available()); *_fits say whether
// they serve g on this run (else they throw), and the kernels fall back to im2col and
// col2im_phases where not.
bool conv_rows_available();
bool col2im_rows_fits(const ConvGeom& g);
void col2im_rows(const float* col, const ConvGeom& g, int n0, int G, float* img, const Col2imEnds& ends = {});
bool im2col_rows_fits(const ConvGeom& g);
void im2col_rows(const float* img, const ConvGeom& g, int n0, int G, float* col, const float* mask = nullptr);

// conv2d: x (N,C,H,W), w (K,C,R,S), b (K) -> y (N,K,P,Q); backward adds into x, w, b grads.
// relu = true is the fused conv2d_relu: y = max(0, conv2d(x)) is applied as the output is
// written, and the backward reads y's gradient as dY · [y > 0] wherever it reads it, so
// neither a separate ReLU pass nor its gradient buffer is needed. The values and gradients
// are those of relu(conv2d(x)) to the bit (the same sums in the same order).
Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvGeom& g, bool relu = false);
void conv2d_backward(Tensor& x, Tensor& w, Tensor& b, Tensor& y, const ConvGeom& g, bool relu = false);
// conv_transpose2d: x (N,K,P,Q), w (K,C,R,S), b (C) -> y (N,C,H,W); relu as above.
Tensor conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvGeom& g,
                                bool relu = false);
void conv_transpose2d_backward(Tensor& x, Tensor& w, Tensor& b, Tensor& y, const ConvGeom& g, bool relu = false);

// conv2d without im2col, for a few filters (conv_stencil.cpp); conv2d_forward and
// conv2d_backward call these when conv_use_stencil(g), i.e. g.K <= kStencilMaxFilters.
inline constexpr int kStencilMaxFilters = 4;
bool conv_use_stencil(const ConvGeom& g);
Tensor conv2d_forward_stencil(const Tensor& x, const Tensor& w, const Tensor& b, const ConvGeom& g,
                              bool relu = false);
void conv2d_backward_stencil(Tensor& x, Tensor& w, Tensor& b, Tensor& y, const ConvGeom& g, bool relu = false);

// The plain twins.
Tensor conv2d_forward_direct(const Tensor& x, const Tensor& w, const Tensor& b, const ConvGeom& g);
void conv2d_backward_direct(Tensor& x, Tensor& w, Tensor& b, Tensor& y, const ConvGeom& g);
Tensor conv_transpose2d_forward_direct(const Tensor& x, const Tensor& w, const Tensor& b,
                                       const ConvGeom& g);
void conv_transpose2d_backward_direct(Tensor& x, Tensor& w, Tensor& b, Tensor& y, const ConvGeom& g);

}  // namespace aet::kernels
