// conv.cpp — see conv.h.
#include "autograd/kernels/conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "autograd/gemm.h"
#include "autograd/kernels/grad_write.h"
#include "autograd/kernels/pack_buffer.h"
#include "autograd/kernels/rows.h"
#include "autograd/task.h"
#include "autograd/thread_pool.h"

namespace aet::kernels {

// ---- scratch: buffers per thread, grown to the largest chunk seen, then reused -------

namespace {
struct Scratch {
  PackBuffer col_buffer, mat_buffer, masked_buffer;
  size_t col_floats = 0, mat_floats = 0, masked_floats = 0;
  float* col(size_t n) { col_floats = std::max(col_floats, n); return col_buffer.get(n); }
  float* mat(size_t n) { mat_floats = std::max(mat_floats, n); return mat_buffer.get(n); }
  // A chunk's masked output gradient (the fused ReLU's backward of conv_transpose2d, where
  // im2col_rows does not serve).
  float* masked(size_t n) { masked_floats = std::max(masked_floats, n); return masked_buffer.get(n); }
};
thread_local Scratch t_scratch;
}  // namespace

size_t conv_scratch_floats() { return t_scratch.col_floats + t_scratch.mat_floats + t_scratch.masked_floats; }

int conv_images_per_chunk(const ConvGeom& g) {
  const size_t per_image = size_t(std::max(g.C * g.R * g.S, g.K)) * size_t(g.P) * size_t(g.Q);
  return int(std::clamp<size_t>(kConvScratchFloats / per_image, 1, size_t(g.N)));
}

// ---- the lowering --------------------------------------------------------------------

// The output columns q whose filter tap s reads inside the image, lo <= q < hi: the column
// iw = q·stride − pad + s must lie in [0, W). Outside them im2col writes the padding's 0, so
// the loops over q need no test per pixel (which kept them from vectorising).
void conv_inside_columns(const ConvGeom& g, int s, int* lo, int* hi) {
  const int off = s - g.pad;  // iw = q·stride + off
  *hi = off >= g.W ? 0 : std::min(g.Q, (g.W - off + g.stride - 1) / g.stride);
  *lo = std::min(*hi, off >= 0 ? 0 : (-off + g.stride - 1) / g.stride);
}

// o[q] = line[q·stride] for q in [lo, hi), or with a mask line m (the fused ReLU's output)
// o[q] = line[q·stride] where m[q·stride] > 0 and 0 elsewhere, as relu_mask_row computes
// dY · [y > 0]. With the stride a constant (1 and 2, the strides of every layer in the
// models) the compiler vectorises the loop, stride 2 with shuffles that keep the even
// elements; a variable stride stays a scalar loop.
template <int kStride>
static void gather_row_as(float* __restrict o, const float* __restrict line, const float* __restrict m, int stride,
                          int lo, int hi) {
  const int st = kStride > 0 ? kStride : stride;
  if (!m)
    for (int q = lo; q < hi; ++q) o[q] = line[q * st];
  else
    for (int q = lo; q < hi; ++q) {
      const float d = line[q * st];  // read unconditionally, so the select becomes a blend
      o[q] = m[q * st] > 0.0f ? d : 0.0f;
    }
}
static void gather_row(float* o, const float* line, const float* m, int stride, int lo, int hi) {
  if (stride == 1) return gather_row_as<1>(o, line, m, stride, lo, hi);
  if (stride == 2) return gather_row_as<2>(o, line, m, stride, lo, hi);
  gather_row_as<0>(o, line, m, stride, lo, hi);
}

// One row of col per (c, r, s): the pixel each output position (i, p, q) reads through
// filter tap (r, s) of channel c; 0 where that falls in the padding. Split by rows, each
// written front to back.
void im2col(const float* img, const ConvGeom& g, int n0, int G, float* col, const float* mask) {
  const size_t HW = size_t(g.H) * g.W, PQ = size_t(g.P) * g.Q, row_len = size_t(G) * PQ;
  conv_over_rows(g.C * g.R * g.S, row_len, [&](int lo, int hi) {
    for (int row = lo; row < hi; ++row) {
      const int c = row / (g.R * g.S), r = row / g.S % g.R, s = row % g.S;
      const int off = s - g.pad;  // the image column is q·stride + off
      int q_lo, q_hi;
      conv_inside_columns(g, s, &q_lo, &q_hi);
      float* out = col + size_t(row) * row_len;
      for (int i = 0; i < G; ++i) {
        const size_t plane = (size_t(n0 + i) * g.C + c) * HW;
        for (int p = 0; p < g.P; ++p) {
          float* o = out + size_t(i) * PQ + size_t(p) * g.Q;
          const int ih = p * g.stride - g.pad + r;
          if (ih < 0 || ih >= g.H) {
            std::fill_n(o, g.Q, 0.0f);
            continue;
          }
          std::fill(o, o + q_lo, 0.0f);
          if (q_hi > q_lo) {  // from the first column read, q_lo·stride + off >= 0
            const size_t first = plane + size_t(ih) * g.W + size_t(q_lo * g.stride + off);
            gather_row(o + q_lo, img + first, mask ? mask + first : nullptr, g.stride, 0, q_hi - q_lo);
          }
          std::fill(o + q_hi, o + g.Q, 0.0f);
        }
      }
    }
  });
}

// The kernels' im2col: for stride 2 with rows of at most 16 floats the row-at-a-time twin
// (conv_rows.cpp, the same values), otherwise im2col.
static void im2col_kernel(const float* img, const ConvGeom& g, int n0, int G, float* col, const float* mask = nullptr) {
  if (im2col_rows_fits(g)) return im2col_rows(img, g, n0, G, col, mask);
  im2col(img, g, n0, G, col, mask);
}

// What col2im_kernel (below) does, one step after the other: start the planes (from the bias
// or 0, with ends.overwrite), col2im, the ReLU.
static void col2im_in_steps(const float* col, const ConvGeom& g, int n0, int G, float* img, const Col2imEnds& ends) {
  const size_t HW = size_t(g.H) * g.W;
  float* first = img + size_t(n0) * g.C * HW;
  if (ends.overwrite)
    conv_over_rows(G * g.C, HW, [&](int lo, int hi) {
      for (int t = lo; t < hi; ++t) std::fill_n(first + size_t(t) * HW, HW, ends.bias ? ends.bias[t % g.C] : 0.0f);
    });
  col2im(col, g, n0, G, img);
  if (ends.relu)
    conv_over_rows(G * g.C, HW, [&](int lo, int hi) { relu_row(first + size_t(lo) * HW, size_t(hi - lo) * HW); });
}

// The same index map read backwards: every col entry is added to the pixel it was read
// from. Split by (channel, image) plane, so each pixel is summed by one thread, in (r, s)
// order, whatever the thread count; each task adds all R·S taps into its plane (H·W floats,
// in L1) instead of sweeping all G planes once per tap.
// TASK 6.1 BEGIN: col2im, img[n0+i, c, p·stride − pad + r, q·stride − pad + s] += col[(c·R + r)·S + s, i·P·Q + p·Q + q]
void col2im(const float* col, const ConvGeom& g, int n0, int G, float* img) {
  const size_t HW = size_t(g.H) * g.W, PQ = size_t(g.P) * g.Q, row_len = size_t(G) * PQ;
  conv_over_rows(g.C * G, size_t(g.R) * g.S * PQ, [&](int lo, int hi) {
    for (int t = lo; t < hi; ++t) {
      const int c = t / G, i = t % G;
      float* plane = img + (size_t(n0 + i) * g.C + c) * HW;
      for (int r = 0; r < g.R; ++r)
        for (int s = 0; s < g.S; ++s) {
          const int off = s - g.pad;
          int q_lo, q_hi;
          conv_inside_columns(g, s, &q_lo, &q_hi);
          const float* in = col + (size_t(c * g.R + r) * g.S + s) * row_len + size_t(i) * PQ;
          for (int p = 0; p < g.P; ++p) {
            const int ih = p * g.stride - g.pad + r;
            if (ih < 0 || ih >= g.H) continue;
            const float* from = in + size_t(p) * g.Q;
            float* line = plane + size_t(ih) * g.W;
            for (int q = q_lo; q < q_hi; ++q) line[q * g.stride + off] += from[q];
          }
        }
    }
  });
}

// The kernels' col2im, with the planes' start and the ReLU (Col2imEnds): for stride 2 and
// images up to 32 wide the row-at-a-time twin (conv_rows.cpp), for other strides > 1 the
// phase-plane twin (col2im_phases.cpp), both the same bits; for stride 1 col2im one step
// at a time.
static void col2im_kernel(const float* col, const ConvGeom& g, int n0, int G, float* img, const Col2imEnds& ends) {
  if (col2im_rows_fits(g)) return col2im_rows(col, g, n0, G, img, ends);
  if (g.stride > 1) return col2im_phases(col, g, n0, G, img, ends);
  col2im_in_steps(col, g, n0, G, img, ends);
}
// TASK 6.1 STUB
// void col2im(const float* col, const ConvGeom& g, int n0, int G, float* img) {
//   (void)col, (void)g, (void)n0, (void)G, (void)img;
//   task_not_done("6.1", "write col2im, the adjoint of im2col, in autograd/kernels/conv.cpp");
// }
//
// // The kernels' col2im: yours, everywhere (the solution adds a faster twin for stride > 1).
// static void col2im_kernel(const float* col, const ConvGeom& g, int n0, int G, float* img, const Col2imEnds& ends) {
//   col2im_in_steps(col, g, n0, G, img, ends);
// }
// TASK 6.1 END

// dst (C, G·L) ← images n0 .. n0+G−1 of src (N, C, L): channels outermost. With a mask
// (the fused ReLU's output, laid out as src), an entry is copied where the mask is > 0 and
// is 0 elsewhere: the ReLU's backward, relu_mask_row, on the way.
static void to_channel_major(const float* src, int C, size_t L, int n0, int G, float* dst,
                             const float* mask = nullptr) {
  conv_over_rows(C, size_t(G) * L, [&](int lo, int hi) {
    for (int c = lo; c < hi; ++c)
      for (int i = 0; i < G; ++i) {
        const size_t from = (size_t(n0 + i) * C + c) * L;
        float* to = dst + (size_t(c) * G + i) * L;
        if (mask)
          relu_mask_row(to, src + from, mask + from, L);
        else
          copy_row(to, src + from, L);
      }
  });
}

// Images n0 .. n0+G−1 of dst (N, C, L) = (or += when add) src (C, G·L), plus bias[c] if
// given, through the ReLU if relu (the fused conv2d_relu; not with add).
static void from_channel_major(const float* src, int C, size_t L, int n0, int G, const float* bias,
                               bool add, float* dst, bool relu = false) {
  conv_over_rows(C, size_t(G) * L, [&](int lo, int hi) {
    for (int c = lo; c < hi; ++c) {
      const float b = bias ? bias[c] : 0.0f;
      for (int i = 0; i < G; ++i) {
        const float* s = src + (size_t(c) * G + i) * L;
        float* d = dst + (size_t(n0 + i) * C + c) * L;
        if (add)
          for (size_t j = 0; j < L; ++j) d[j] += s[j];
        else if (relu)
          for (size_t j = 0; j < L; ++j) {
            const float v = s[j] + b;
            d[j] = v > 0.0f ? v : 0.0f;  // relu_forward_row's select
          }
        else
          for (size_t j = 0; j < L; ++j) d[j] = s[j] + b;
      }
    }
  });
}

// The bias gradient's sums, db[c] += Σ_n Σ_l t[n, c, l], each channel in one fixed order:
// 16 partial sums per channel, lane l taking elements l, l + 16, ... of every row (one float
// accumulator would be a chain of dependent adds that the compiler may not reorder, so it
// would not vectorise), the lanes added up at the end. The images can arrive a chunk at a
// time (add), in either layout the kernels hold them in; the sums are the same to the bit.
namespace {
constexpr size_t kSumLanes = 16;
struct ChannelSums {
  int C;
  size_t L;
  std::vector<float> lanes;  // (C, kSumLanes)
  ChannelSums(int C, size_t L) : C(C), L(L), lanes(size_t(C) * kSumLanes, 0.0f) {}
  // Images 0 .. G−1 of t, the row of (image i, channel c) at t + i·image_stride + c·channel_stride.
  // With a mask (the fused ReLU's output, laid out as t) an element counts where the mask
  // is > 0 and as 0 elsewhere: the sums of relu_mask_row's output, without writing it.
  void add(const float* t, int G, size_t image_stride, size_t channel_stride, const float* mask = nullptr) {
    conv_over_rows(C, size_t(G) * L, [&](int lo, int hi) {
      for (int c = lo; c < hi; ++c) {
        float* lane = lanes.data() + size_t(c) * kSumLanes;
        for (int i = 0; i < G; ++i) {
          const size_t at = size_t(i) * image_stride + size_t(c) * channel_stride;
          if (mask)
            add_line(lane, t + at, mask + at, [](float d, float m) { return m > 0.0f ? d : 0.0f; });
          else
            add_line(lane, t + at, t + at, [](float d, float) { return d; });
        }
      }
    });
  }
  // lane[l] += f(row[j], m[j]) for j ≡ l (mod kSumLanes), in order of j.
  template <class F>
  void add_line(float* __restrict lane, const float* row, const float* m, F f) const {
    size_t j = 0;
    for (; j + kSumLanes <= L; j += kSumLanes)
      for (size_t l = 0; l < kSumLanes; ++l) lane[l] += f(row[j + l], m[j + l]);
    for (size_t l = 0; j < L; ++j, ++l) lane[l] += f(row[j], m[j]);
  }
  void add_to(float* db) const {
    for (int c = 0; c < C; ++c) {
      float acc = 0.0f;
      for (size_t l = 0; l < kSumLanes; ++l) acc += lanes[size_t(c) * kSumLanes + l];
      db[c] += acc;
    }
  }
};
}  // namespace

// db[c] += Σ_n Σ_l t[n, c, l] (conv.h); with a mask only where it is > 0.
void conv_add_channel_sums(const float* t, int N, int C, size_t L, float* db, const float* mask) {
  ChannelSums sums(C, L);
  sums.add(t, N, size_t(C) * L, L, mask);
  sums.add_to(db);
}

// ---- conv2d -------------------------------------------------------------------------

Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvGeom& g, bool relu) {
  if (conv_use_stencil(g)) return conv2d_forward_stencil(x, w, b, g, relu);  // a few filters: no im2col
  Tensor y = Tensor::empty({g.N, g.K, g.P, g.Q});
  const int CRS = g.C * g.R * g.S, G = conv_images_per_chunk(g);
  const size_t PQ = size_t(g.P) * g.Q;
  for (int n0 = 0; n0 < g.N; n0 += G) {
    const int n = std::min(G, g.N - n0);
    float* col = t_scratch.col(size_t(CRS) * n * PQ);
    float* ym = t_scratch.mat(size_t(g.K) * n * PQ);
    im2col_kernel(x.data(), g, n0, n, col);
    gemm(Layout::NN, g.K, n * int(PQ), CRS, w.data(), col, ym, false);  // Y_m = w · col
    from_channel_major(ym, g.K, PQ, n0, n, b.defined() ? b.data() : nullptr, false, y.data(), relu);
  }
  return y;
}

void conv2d_backward(Tensor& x, Tensor& w, Tensor& b, Tensor& y, const ConvGeom& g, bool relu) {
  if (conv_use_stencil(g)) return conv2d_backward_stencil(x, w, b, y, g, relu);
  const int CRS = g.C * g.R * g.S, G = conv_images_per_chunk(g);
  const size_t PQ = size_t(g.P) * g.Q;
  const float* dY = y.grad();
  const float* mask = relu ? y.data() : nullptr;  // the fused ReLU: dY counts where y > 0
  const bool db = b.defined() && b.requires_grad();
  ChannelSums bias_sums(g.K, PQ);  // db, from each chunk's dY_m while it is in cache
  bool dw_first = false;
  float* dw = w.requires_grad() ? grad_for_write(w, &dw_first) : nullptr;
  bool dx_first = false;  // then col2im writes dx without reading it (each image in one chunk)
  float* dx = x.requires_grad() ? grad_for_write(x, &dx_first) : nullptr;
  for (int n0 = 0; n0 < g.N; n0 += G) {
    const int n = std::min(G, g.N - n0);
    float* dym = t_scratch.mat(size_t(g.K) * n * PQ);
    float* col = t_scratch.col(size_t(CRS) * n * PQ);
    to_channel_major(dY, g.K, PQ, n0, n, dym, mask);
    if (db) bias_sums.add(dym, n, PQ, size_t(n) * PQ);
    if (dw) {
      im2col_kernel(x.data(), g, n0, n, col);
      const bool overwrite = dw_first && n0 == 0;
      gemm(Layout::NT, g.K, CRS, n * int(PQ), dym, col, dw, !overwrite);  // dw += dY_m · colᵀ
    }
    if (dx) {
      gemm(Layout::TN, CRS, n * int(PQ), g.K, w.data(), dym, col, false);  // dcol = wᵀ · dY_m
      col2im_kernel(col, g, n0, n, dx, {.overwrite = dx_first});
    }
  }
  if (db) bias_sums.add_to(b.grad());
}

// ---- conv_transpose2d: x (N,K,P,Q) -> y (N,C,H,W) -------------------------------------

Tensor conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvGeom& g,
                                bool relu) {
  Tensor y = Tensor::empty({g.N, g.C, g.H, g.W});
  const size_t PQ = size_t(g.P) * g.Q;
  // Each chunk's images start from the bias; col2im adds the rest, then the fused ReLU.
  const Col2imEnds ends{true, b.defined() ? b.data() : nullptr, relu};
  const int CRS = g.C * g.R * g.S, G = conv_images_per_chunk(g);
  for (int n0 = 0; n0 < g.N; n0 += G) {
    const int n = std::min(G, g.N - n0);
    float* xm = t_scratch.mat(size_t(g.K) * n * PQ);
    float* col = t_scratch.col(size_t(CRS) * n * PQ);
    to_channel_major(x.data(), g.K, PQ, n0, n, xm);
    gemm(Layout::TN, CRS, n * int(PQ), g.K, w.data(), xm, col, false);  // col = wᵀ · X_m
    col2im_kernel(col, g, n0, n, y.data(), ends);
  }
  return y;
}

void conv_transpose2d_backward(Tensor& x, Tensor& w, Tensor& b, Tensor& y, const ConvGeom& g, bool relu) {
  const int CRS = g.C * g.R * g.S, G = conv_images_per_chunk(g);
  const size_t HW = size_t(g.H) * g.W, PQ = size_t(g.P) * g.Q;
  const float* dY = y.grad();
  const float* mask = relu ? y.data() : nullptr;  // the fused ReLU: dY counts where y > 0
  const bool db = b.defined() && b.requires_grad();
  ChannelSums bias_sums(g.C, HW);  // db, from each chunk's (masked) dY while it is in cache
  bool dw_first = false;
  float* dw = w.requires_grad() ? grad_for_write(w, &dw_first) : nullptr;
  bool dx_first = false;  // then dX_m is written into dx, not added (each image in one chunk)
  float* dx = x.requires_grad() ? grad_for_write(x, &dx_first) : nullptr;
  for (int n0 = 0; n0 < g.N; n0 += G) {
    const int n = std::min(G, g.N - n0);
    float* col = t_scratch.col(size_t(CRS) * n * PQ);
    float* m = t_scratch.mat(size_t(g.K) * n * PQ);
    // col = im2col of dY, or with the fused ReLU of dY · [y > 0]: masked as it is read by
    // im2col_rows; for im2col, whose gather would read both arrays once per filter tap,
    // written out first (the same values either way).
    const size_t first = size_t(n0) * g.C * HW;
    if (mask && !im2col_rows_fits(g)) {
      float* masked = t_scratch.masked(size_t(n) * g.C * HW);
      conv_over_rows(n * g.C, HW, [&](int lo, int hi) {
        const size_t at = size_t(lo) * HW;
        relu_mask_row(masked + at, dY + first + at, mask + first + at, size_t(hi - lo) * HW);
      });
      im2col(masked, g, 0, n, col);
      if (db) bias_sums.add(masked, n, size_t(g.C) * HW, HW);
    } else {
      im2col_kernel(dY, g, n0, n, col, mask);
      if (db) bias_sums.add(dY + first, n, size_t(g.C) * HW, HW, mask ? mask + first : nullptr);
    }
    if (dx) {
      gemm(Layout::NN, g.K, n * int(PQ), CRS, w.data(), col, m, false);  // dX_m = w · col
      from_channel_major(m, g.K, PQ, n0, n, nullptr, !dx_first, dx);  // (+ 0 when written: the same bits)
    }
    if (dw) {
      to_channel_major(x.data(), g.K, PQ, n0, n, m);
      const bool overwrite = dw_first && n0 == 0;
      gemm(Layout::NT, g.K, CRS, n * int(PQ), m, col, dw, !overwrite);  // dw += X_m · colᵀ
    }
  }
  if (db) bias_sums.add_to(b.grad());
}

// ---- the plain twins: the equation in conv.h as loops ---------------------------------

namespace {
// Flat indices into img (N,C,H,W), w (K,C,R,S) and out (N,K,P,Q).
struct Index {
  const ConvGeom& g;
  size_t img(int n, int c, int h, int w) const { return ((size_t(n) * g.C + c) * g.H + h) * g.W + w; }
  size_t wt(int k, int c, int r, int s) const { return ((size_t(k) * g.C + c) * g.R + r) * g.S + s; }
  size_t out(int n, int k, int p, int q) const { return ((size_t(n) * g.K + k) * g.P + p) * g.Q + q; }
};
}  // namespace

Tensor conv2d_forward_direct(const Tensor& x, const Tensor& w, const Tensor& b, const ConvGeom& g) {
  Tensor y = Tensor::empty({g.N, g.K, g.P, g.Q});
  const Index at{g};
  for (int n = 0; n < g.N; ++n)
    for (int k = 0; k < g.K; ++k)
      for (int p = 0; p < g.P; ++p)
        for (int q = 0; q < g.Q; ++q) {
          double acc = b.defined() ? b.data()[k] : 0.0;
          for (int c = 0; c < g.C; ++c)
            for (int r = 0; r < g.R; ++r)
              for (int s = 0; s < g.S; ++s) {
                const int ih = p * g.stride - g.pad + r, iw = q * g.stride - g.pad + s;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                acc += double(x.data()[at.img(n, c, ih, iw)]) * w.data()[at.wt(k, c, r, s)];
              }
          y.data()[at.out(n, k, p, q)] = float(acc);
        }
  return y;
}

void conv2d_backward_direct(Tensor& x, Tensor& w, Tensor& b, Tensor& y, const ConvGeom& g) {
  const Index at{g};
  const float* dY = y.grad();
  float* dx = x.requires_grad() ? x.grad() : nullptr;
  float* dw = w.requires_grad() ? w.grad() : nullptr;
  float* db = b.defined() && b.requires_grad() ? b.grad() : nullptr;
  for (int n = 0; n < g.N; ++n)
    for (int k = 0; k < g.K; ++k)
      for (int p = 0; p < g.P; ++p)
        for (int q = 0; q < g.Q; ++q) {
          const float d = dY[at.out(n, k, p, q)];
          if (db) db[k] += d;
          for (int c = 0; c < g.C; ++c)
            for (int r = 0; r < g.R; ++r)
              for (int s = 0; s < g.S; ++s) {
                const int ih = p * g.stride - g.pad + r, iw = q * g.stride - g.pad + s;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                if (dx) dx[at.img(n, c, ih, iw)] += d * w.data()[at.wt(k, c, r, s)];
                if (dw) dw[at.wt(k, c, r, s)] += d * x.data()[at.img(n, c, ih, iw)];
              }
        }
}

// The transpose scatters each input pixel x[n,k,p,q] through every filter tap into the
// output pixels the convolution would have read it from.
Tensor conv_transpose2d_forward_direct(const Tensor& x, const Tensor& w, const Tensor& b,
                                       const ConvGeom& g) {
  const Index at{g};
  std::vector<double> acc(size_t(g.N) * g.C * g.H * g.W, 0.0);
  for (int n = 0; n < g.N; ++n)
    for (int k = 0; k < g.K; ++k)
      for (int p = 0; p < g.P; ++p)
        for (int q = 0; q < g.Q; ++q) {
          const double v = x.data()[at.out(n, k, p, q)];
          for (int c = 0; c < g.C; ++c)
            for (int r = 0; r < g.R; ++r)
              for (int s = 0; s < g.S; ++s) {
                const int ih = p * g.stride - g.pad + r, iw = q * g.stride - g.pad + s;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                acc[at.img(n, c, ih, iw)] += v * w.data()[at.wt(k, c, r, s)];
              }
        }
  Tensor y = Tensor::empty({g.N, g.C, g.H, g.W});
  for (int n = 0; n < g.N; ++n)
    for (int c = 0; c < g.C; ++c)
      for (int h = 0; h < g.H; ++h)
        for (int v = 0; v < g.W; ++v)
          y.data()[at.img(n, c, h, v)] = float(acc[at.img(n, c, h, v)] + (b.defined() ? b.data()[c] : 0.0));
  return y;
}

void conv_transpose2d_backward_direct(Tensor& x, Tensor& w, Tensor& b, Tensor& y, const ConvGeom& g) {
  const Index at{g};
  const float* dY = y.grad();
  float* dx = x.requires_grad() ? x.grad() : nullptr;
  float* dw = w.requires_grad() ? w.grad() : nullptr;
  if (b.defined() && b.requires_grad()) {
    float* db = b.grad();
    for (int n = 0; n < g.N; ++n)
      for (int c = 0; c < g.C; ++c)
        for (int h = 0; h < g.H; ++h)
          for (int v = 0; v < g.W; ++v) db[c] += dY[at.img(n, c, h, v)];
  }
  for (int n = 0; n < g.N; ++n)
    for (int k = 0; k < g.K; ++k)
      for (int p = 0; p < g.P; ++p)
        for (int q = 0; q < g.Q; ++q)
          for (int c = 0; c < g.C; ++c)
            for (int r = 0; r < g.R; ++r)
              for (int s = 0; s < g.S; ++s) {
                const int ih = p * g.stride - g.pad + r, iw = q * g.stride - g.pad + s;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                const float d = dY[at.img(n, c, ih, iw)];
                if (dx) dx[at.out(n, k, p, q)] += d * w.data()[at.wt(k, c, r, s)];
                if (dw) dw[at.wt(k, c, r, s)] += d * x.data()[at.out(n, k, p, q)];
              }
}

}  // namespace aet::kernels
