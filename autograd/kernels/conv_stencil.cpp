// conv_stencil.cpp — conv2d with stride 1 and a few filters, without im2col.
//
// With one filter (the decoder's last layer, 32 → 1 channel at 28×28) the im2col route does
// badly: col is R·S = 9 times the input, written by im2col, copied again by the GEMM's
// packing, then read once by a product with M = 1 row, so the layer is memory traffic with
// the micro-tile 1/6 used (bench/README.md: 3 % of the conv VAE's work, 35 % of its conv
// time before this file). Here each output plane is a sum of shifted input planes instead:
//   y[n,k,p,q] = b[k] + Σ_c Σ_r Σ_s w[k,c,r,s] · x[n, c, p − pad + r, q − pad + s]
//
// The trick that makes every update one long vector loop: copy each input plane into a
// zero-bordered plane xp of Hp × Wp = (H + 2·pad) × (W + 2·pad), and compute the output in
// rows of Wp too (yp[p·Wp + q], columns q ≥ Q are junk and dropped at the end). Then
//   yp[j] += w[k,c,r,s] · xp[j + r·Wp + s]      for all j in [0, P·Wp) at once
// (a row's junk columns read the next row's start, which only lands in junk columns), one
// axpy of P·Wp ≈ 840 floats per (k, c, r, s), in L1, which -O3 vectorises. The two
// gradients are the same shifts read backwards, with dy laid out the same way (dyp, zero in
// the junk columns, so that they add nothing):
//   dxp[j + r·Wp + s] += w[k,c,r,s] · dyp[j]       then dx += the inside of dxp
//   dw[k,c,r,s]       += Σ_n Σ_j dyp[j] · xp[j + r·Wp + s]
// The work is K·C·R·S·P·Wp multiply-adds per image; for many filters the GEMM's register
// tiles reuse each loaded value K times and win, for a few the copies cost more.
//
// Threads: the forward splits over images, dx over (image, channel) planes, dw over
// (filter, channel) pairs; each output value is summed by one thread in a fixed order, so
// the results do not depend on the thread count. Plain twins: the *_direct loops in
// conv.cpp; tests/test_conv.cpp compares them.
#include <algorithm>
#include <vector>

#include "autograd/kernels/conv.h"
#include "autograd/kernels/grad_write.h"

namespace aet::kernels {

bool conv_use_stencil(const ConvGeom& g) { return g.stride == 1 && g.K <= kStencilMaxFilters; }

namespace {
// The padded layouts of one geometry (stride 1: P = Hp − R + 1, Q = Wp − S + 1).
struct Padded {
  int Hp, Wp;
  size_t plane;  // floats of a padded input plane: Hp·Wp, plus S − 1 read past its end
  size_t out;    // floats of an output plane in rows of Wp: P·Wp
  explicit Padded(const ConvGeom& g)
      : Hp(g.H + 2 * g.pad), Wp(g.W + 2 * g.pad), plane(size_t(Hp) * Wp + g.S), out(size_t(g.P) * Wp) {}
};

// xp ← the (H, W) plane src inside a zero border of pad (layout of Padded::plane).
void pad_plane(const float* src, const ConvGeom& g, const Padded& L, float* xp) {
  std::fill_n(xp, L.plane, 0.0f);
  for (int h = 0; h < g.H; ++h) std::copy_n(src + size_t(h) * g.W, g.W, xp + size_t(h + g.pad) * L.Wp + g.pad);
}

// dyp ← the (P, Q) plane src in rows of Wp, zero in the junk columns.
void widen_plane(const float* src, const ConvGeom& g, const Padded& L, float* dyp) {
  for (int p = 0; p < g.P; ++p) {
    float* row = dyp + size_t(p) * L.Wp;
    std::copy_n(src + size_t(p) * g.Q, g.Q, row);
    std::fill(row + g.Q, row + L.Wp, 0.0f);
  }
}

thread_local std::vector<float> t_a, t_b;  // per-thread planes, grown once and reused
float* scratch(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}
}  // namespace

Tensor conv2d_forward_stencil(const Tensor& x, const Tensor& w, const Tensor& b, const ConvGeom& g) {
  const Padded L(g);
  const size_t HW = size_t(g.H) * g.W, PQ = size_t(g.P) * g.Q, RS = size_t(g.R) * g.S;
  Tensor y = Tensor::empty({g.N, g.K, g.P, g.Q});
  const float *X = x.data(), *Wt = w.data();
  float* Y = y.data();
  conv_over_rows(g.N, size_t(g.K) * g.C * RS * L.out, [&](int lo, int hi) {
    float* xp = scratch(t_a, size_t(g.C) * L.plane);  // image n, every channel padded
    float* yp = scratch(t_b, L.out);
    for (int n = lo; n < hi; ++n) {
      for (int c = 0; c < g.C; ++c) pad_plane(X + (size_t(n) * g.C + c) * HW, g, L, xp + c * L.plane);
      for (int k = 0; k < g.K; ++k) {
        std::fill_n(yp, L.out, b.defined() ? b.data()[k] : 0.0f);
        for (int c = 0; c < g.C; ++c)
          for (int r = 0; r < g.R; ++r)
            for (int s = 0; s < g.S; ++s) {
              const float wv = Wt[(size_t(k) * g.C + c) * RS + size_t(r) * g.S + s];
              const float* src = xp + c * L.plane + size_t(r) * L.Wp + s;
              for (size_t j = 0; j < L.out; ++j) yp[j] += wv * src[j];
            }
        float* out = Y + (size_t(n) * g.K + k) * PQ;  // drop the junk columns
        for (int p = 0; p < g.P; ++p) std::copy_n(yp + size_t(p) * L.Wp, g.Q, out + size_t(p) * g.Q);
      }
    }
  });
  return y;
}

void conv2d_backward_stencil(Tensor& x, Tensor& w, Tensor& b, Tensor& y, const ConvGeom& g) {
  const Padded L(g);
  const size_t HW = size_t(g.H) * g.W, PQ = size_t(g.P) * g.Q, RS = size_t(g.R) * g.S;
  const float* dY = y.grad();
  const float *X = x.data(), *Wt = w.data();
  if (b.defined() && b.requires_grad()) conv_add_channel_sums(dY, g.N, g.K, PQ, b.grad());
  // dy in rows of Wp, every image and filter once: N·K·P·Wp floats (small: K is a few).
  std::vector<float> dyp(size_t(g.N) * g.K * L.out);
  conv_over_rows(g.N * g.K, L.out, [&](int lo, int hi) {
    for (int t = lo; t < hi; ++t) widen_plane(dY + size_t(t) * PQ, g, L, dyp.data() + t * L.out);
  });
  if (x.requires_grad()) {
    float* dx = x.grad();
    conv_over_rows(g.N * g.C, size_t(g.K) * RS * L.out, [&](int lo, int hi) {
      float* dxp = scratch(t_a, L.plane);
      for (int t = lo; t < hi; ++t) {  // plane t = (n, c)
        const int n = t / g.C, c = t % g.C;
        std::fill_n(dxp, L.plane, 0.0f);
        for (int k = 0; k < g.K; ++k) {
          const float* d = dyp.data() + (size_t(n) * g.K + k) * L.out;
          for (int r = 0; r < g.R; ++r)
            for (int s = 0; s < g.S; ++s) {
              const float wv = Wt[(size_t(k) * g.C + c) * RS + size_t(r) * g.S + s];
              float* dst = dxp + size_t(r) * L.Wp + s;
              for (size_t j = 0; j < L.out; ++j) dst[j] += wv * d[j];
            }
        }
        float* plane = dx + size_t(t) * HW;  // the inside of dxp; the border was padding
        for (int h = 0; h < g.H; ++h) {
          const float* from = dxp + size_t(h + g.pad) * L.Wp + g.pad;
          float* to = plane + size_t(h) * g.W;
          for (int v = 0; v < g.W; ++v) to[v] += from[v];
        }
      }
    });
  }
  if (w.requires_grad()) {
    bool first = false;
    float* dw = grad_for_write(w, &first);
    conv_over_rows(g.K * g.C, size_t(g.N) * RS * L.out, [&](int lo, int hi) {
      // acc[rs·P·Wp + j]: the products at position j, summed over the images; the positions
      // are added up at the end (a sum along j would not vectorise).
      float* xp = scratch(t_a, L.plane);
      float* acc = scratch(t_b, RS * L.out);
      for (int t = lo; t < hi; ++t) {  // pair t = (k, c)
        const int k = t / g.C, c = t % g.C;
        std::fill_n(acc, RS * L.out, 0.0f);
        for (int n = 0; n < g.N; ++n) {
          pad_plane(X + (size_t(n) * g.C + c) * HW, g, L, xp);
          const float* d = dyp.data() + (size_t(n) * g.K + k) * L.out;
          for (int r = 0; r < g.R; ++r)
            for (int s = 0; s < g.S; ++s) {
              const float* src = xp + size_t(r) * L.Wp + s;
              float* a = acc + (size_t(r) * g.S + s) * L.out;
              for (size_t j = 0; j < L.out; ++j) a[j] += d[j] * src[j];
            }
        }
        float* out = dw + size_t(t) * RS;  // w is (K,C,R,S): pair (k, c) owns R·S entries
        for (size_t rs = 0; rs < RS; ++rs) {
          float sum = 0.0f;
          for (size_t j = 0; j < L.out; ++j) sum += acc[rs * L.out + j];
          out[rs] = first ? sum : out[rs] + sum;
        }
      }
    });
  }
}

}  // namespace aet::kernels
