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
// (a row's junk columns read the next row's start, which only lands in junk columns): an
// axpy of P·Wp ≈ 840 floats per (k, c, r, s). set_taps (stencil_sums.cpp) runs all C·R·S
// of them at once, a block of outputs at a time held in registers, so a multiply-add costs
// one load, not two loads and a store. The two gradients are the same shifts read
// backwards, with dy laid out the same way (dyp, zero in the junk columns, so that they
// add nothing):
//   dxp[j + r·Wp + s] += w[k,c,r,s] · dyp[j]       then dx += the inside of dxp
//   dw[k,c,r,s]       += Σ_n Σ_j dyp[j] · xp[j + r·Wp + s]
// dx is computed as the equivalent gather (below) so that set_taps serves it too, and dw's
// sums over the images by sum_tap_products, all R·S taps of a position at once; both add
// the same products in the same order as the plain loops would, so the results are the
// same to the bit as before they were blocked (2026-12-02: tutorial 6's figures and
// pictures unchanged), only 2× faster; their AVX2 and AVX-512 copies (8 and 16 floats per
// register, never a fused multiply-add) the same bits again.
// The work is K·C·R·S·P·Wp multiply-adds per image; for many filters the GEMM's register
// tiles reuse each loaded value K times and win, for a few the copies cost more.
//
// Threads: the forward splits over images, dx over (image, channel) planes, dw over
// (filter, channel) pairs; each output value is summed by one thread in a fixed order, so
// the results do not depend on the thread count. Plain twins: the *_direct loops in
// conv.cpp; tests/test_conv.cpp compares them.
#include <algorithm>
#include <cstring>
#include <vector>

#include "autograd/kernels/conv.h"
#include "autograd/kernels/grad_write.h"
#include "autograd/kernels/rows.h"
#include "autograd/kernels/stencil_sums.h"

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

// xp ← the (H, W) plane src inside a zero border of pad (layout of Padded::plane), every
// float written once: clearing the whole plane first cost a second pass over it.
void pad_plane(const float* src, const ConvGeom& g, const Padded& L, float* xp) {
  const size_t top = size_t(g.pad) * L.Wp + g.pad;  // the rows above, and the first row's left border
  zero_row(xp, top);
  for (int h = 0; h < g.H; ++h) {
    float* row = xp + top + size_t(h) * L.Wp;
    copy_row(row, src + size_t(h) * g.W, size_t(g.W));
    zero_row(row + g.W, size_t(L.Wp - g.W));  // this row's right border, the next row's left one
  }
  const size_t below = top + size_t(g.H) * L.Wp;  // from the last row's right border to S floats past Hp·Wp
  zero_row(xp + below, L.plane - below);
}

// Asks for the n floats at p to be brought into the caches: the planes of one channel lie
// C·H·W floats apart, a stride the hardware prefetcher does not follow across planes.
void prefetch_plane(const float* p, size_t n) {
  for (size_t i = 0; i < n; i += 16) __builtin_prefetch(p + i);
}

// dyp ← the (P, Q) plane src in rows of Wp, zero in the junk columns; with a mask (the
// fused ReLU's output plane) src counts only where the mask is > 0.
void widen_plane(const float* src, const float* mask, const ConvGeom& g, const Padded& L, float* dyp) {
  for (int p = 0; p < g.P; ++p) {
    float* row = dyp + size_t(p) * L.Wp;
    const size_t at = size_t(p) * g.Q;
    if (mask)
      relu_mask_row(row, src + at, mask + at, size_t(g.Q));
    else
      copy_row(row, src + at, size_t(g.Q));
    std::fill(row + g.Q, row + L.Wp, 0.0f);
  }
}

thread_local std::vector<float> t_a, t_b;  // per-thread planes, grown once and reused
thread_local std::vector<const float*> t_src;  // the taps of one set_taps call
thread_local std::vector<const float*> t_other;  // the second factors of one sum_tap_products call
thread_local std::vector<size_t> t_off;  // the taps' offsets r·Wp + s
thread_local std::vector<float> t_w;
thread_local std::vector<float> t_dyp;  // dy in rows of Wp, for the backward
float* scratch(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}
}  // namespace

Tensor conv2d_forward_stencil(const Tensor& x, const Tensor& w, const Tensor& b, const ConvGeom& g, bool relu) {
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
      t_src.clear();  // tap (c, r, s) reads xp shifted by r rows and s columns
      for (int c = 0; c < g.C; ++c)
        for (int r = 0; r < g.R; ++r)
          for (int s = 0; s < g.S; ++s) t_src.push_back(xp + c * L.plane + size_t(r) * L.Wp + s);
      for (int k = 0; k < g.K; ++k) {  // w[k] is (C,R,S), in tap order
        set_taps(yp, L.out, t_src.data(), Wt + size_t(k) * g.C * RS, t_src.size(), b.defined() ? b.data()[k] : 0.0f);
        float* out = Y + (size_t(n) * g.K + k) * PQ;  // drop the junk columns
        for (int p = 0; p < g.P; ++p) copy_row(out + size_t(p) * g.Q, yp + size_t(p) * L.Wp, size_t(g.Q));
        if (relu) relu_row(out, PQ);  // the fused ReLU
      }
    }
  });
  return y;
}

void conv2d_backward_stencil(Tensor& x, Tensor& w, Tensor& b, Tensor& y, const ConvGeom& g, bool relu) {
  const Padded L(g);
  const size_t HW = size_t(g.H) * g.W, PQ = size_t(g.P) * g.Q, RS = size_t(g.R) * g.S;
  const float* dY = y.grad();
  const float* mask = relu ? y.data() : nullptr;  // the fused ReLU: dY counts where y > 0
  const float *X = x.data(), *Wt = w.data();
  if (b.defined() && b.requires_grad()) conv_add_channel_sums(dY, g.N, g.K, PQ, b.grad(), mask);
  // dy in rows of Wp, every image and filter once (small: K is a few), each plane behind a
  // margin of F = (R−1)·Wp + S − 1 zeros and followed by (R−1)·Wp more: plane t's dy[j]
  // is dyp[t·D + F + j]. dx is then gathered rather than scattered, which set_taps needs:
  //   dxp[i] += w[k,c,r,s] · dy_k[i − (r·Wp + s)]       (0 where i − r·Wp − s is outside)
  // adds the same products to each dxp[i], in the same (k, r, s) order, as the scatter
  // dxp[j + r·Wp + s] += w · dy[j] over j would, so the sums are the same to the bit.
  const size_t F = size_t(g.R - 1) * L.Wp + g.S - 1, HWp = size_t(L.Hp) * L.Wp, D = F + HWp;
  // Reused: a fresh 0.5 MB vector costs page faults every batch. The lambdas below run on
  // the pool's threads and use this thread's buffer through dyp, never their own t_dyp.
  std::vector<float>& dyp = t_dyp;
  dyp.assign(size_t(g.N) * g.K * D, 0.0f);
  conv_over_rows(g.N * g.K, L.out, [&](int lo, int hi) {
    for (int t = lo; t < hi; ++t)
      widen_plane(dY + size_t(t) * PQ, mask ? mask + size_t(t) * PQ : nullptr, g, L, dyp.data() + t * D + F);
  });
  if (x.requires_grad()) {
    bool first = false;
    float* dx = grad_for_write(x, &first);
    conv_over_rows(g.N * g.C, size_t(g.K) * RS * L.out, [&](int lo, int hi) {
      float* dxp = scratch(t_a, L.plane);
      for (int t = lo; t < hi; ++t) {  // plane t = (n, c)
        const int n = t / g.C, c = t % g.C;
        t_src.clear();
        t_w.clear();
        for (int k = 0; k < g.K; ++k)
          for (int r = 0; r < g.R; ++r)
            for (int s = 0; s < g.S; ++s) {
              t_src.push_back(dyp.data() + (size_t(n) * g.K + k) * D + F - (size_t(r) * L.Wp + s));
              t_w.push_back(Wt[(size_t(k) * g.C + c) * RS + size_t(r) * g.S + s]);
            }
        set_taps(dxp, HWp, t_src.data(), t_w.data(), t_src.size(), 0.0f);
        float* plane = dx + size_t(t) * HW;  // the inside of dxp; the border was padding
        for (int h = 0; h < g.H; ++h) {
          const float* from = dxp + size_t(h + g.pad) * L.Wp + g.pad;
          float* to = plane + size_t(h) * g.W;
          if (first)  // + 0.0f: a −0 sum is stored as +0, as when added to a cleared buffer
            for (int v = 0; v < g.W; ++v) to[v] = from[v] + 0.0f;
          else
            for (int v = 0; v < g.W; ++v) to[v] += from[v];
        }
      }
    });
  }
  if (w.requires_grad()) {
    bool first = false;
    float* dw = grad_for_write(w, &first);
    conv_over_rows(g.K * g.C, size_t(g.N) * RS * L.out, [&](int lo, int hi) {
      // acc[rs·P·Wp + j]: the products at position j, summed over the images in order; the
      // positions are added up at the end (a sum along j would not vectorise). Every image's
      // plane of channel c is padded first, so that sum_tap_products can run over the images
      // with the block of sums in registers.
      float* xp = scratch(t_a, size_t(g.N) * L.plane);
      float* acc = scratch(t_b, RS * L.out);
      int padded = -1;  // the channel whose planes xp holds
      for (int t = lo; t < hi; ++t) {  // pair t = (k, c)
        const int k = t / g.C, c = t % g.C;
        if (c != padded)
          for (int n = 0; n < g.N; ++n) {
            if (n + 2 < g.N) prefetch_plane(X + (size_t(n + 2) * g.C + c) * HW, HW);
            pad_plane(X + (size_t(n) * g.C + c) * HW, g, L, xp + n * L.plane);
          }
        padded = c;
        t_src.clear();
        t_other.clear();
        t_off.clear();
        for (int n = 0; n < g.N; ++n) {
          t_src.push_back(dyp.data() + (size_t(n) * g.K + k) * D + F);
          t_other.push_back(xp + n * L.plane);
        }
        for (int r = 0; r < g.R; ++r)
          for (int s = 0; s < g.S; ++s) t_off.push_back(size_t(r) * L.Wp + s);
        sum_tap_products(acc, L.out, L.out, t_src.data(), t_other.data(), t_off.data(), RS, size_t(g.N));
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
