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
// axpy of P·Wp ≈ 840 floats per (k, c, r, s). add_taps runs all C·R·S of them at once, 32
// outputs at a time held in registers, so a multiply-add costs one load, not two loads and
// a store. The two gradients are the same shifts read backwards, with dy laid out the same
// way (dyp, zero in the junk columns, so that they add nothing):
//   dxp[j + r·Wp + s] += w[k,c,r,s] · dyp[j]       then dx += the inside of dxp
//   dw[k,c,r,s]       += Σ_n Σ_j dyp[j] · xp[j + r·Wp + s]
// dx is computed as the equivalent gather (below) so that add_taps serves it too, and dw's
// sums over the images by sum_products; both add the same products in the same order as
// the plain loops would, so the results are the same to the bit as before they were
// blocked (2026-12-02: tutorial 6's figures and pictures unchanged), only 2× faster; their
// AVX2 copies (2026-12-03, 8 floats per register, no FMA) the same bits again, ~10 % faster.
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
  for (int h = 0; h < g.H; ++h) copy_row(xp + size_t(h + g.pad) * L.Wp + g.pad, src + size_t(h) * g.W, size_t(g.W));
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

// out[j] += Σ_t w[t] · src[t][j] for j in [0, n), the taps added to each out[j] in the order
// t = 0, 1, …: the same roundings as T axpys one after the other, but kBlock outputs are
// summed in registers over all the taps before they are stored, so each multiply-add costs
// one load instead of two loads and a store. The block is held in Lanes, GCC's and clang's
// vector type, which the compiler maps onto whatever SIMD registers the target has (two
// 4-float registers each on SSE2, NEON and wasm SIMD, one 8-float register with AVX2); a
// plain float acc[32] is not kept in registers by GCC 12 (it splits the tap loop instead).
using Lanes = float __attribute__((vector_size(32)));  // 8 floats
// Blocks of four vectors, then single vectors, then single floats (a tail of 8 to 31
// outputs would otherwise take the scalar loop, once per tap); no block size changes a
// rounding.
constexpr size_t kLanes = sizeof(Lanes) / sizeof(float), kVectors = 4, kBlock = kLanes * kVectors;

// On x86 both loops get an AVX2 copy, picked at load time on CPUs that have it (as Adam's,
// optimizer_steps.cpp): twice the floats per load. Not FMA: without it the compiler cannot
// contract w·x + acc into one rounding, so each output is rounded exactly as in the plain
// SSE2 copy and as in the axpys, on any CPU (tests/test_conv.cpp; tutorial 6's figures).

// v ← 8 floats from p, an unaligned load (by reference: returning a 32-byte vector by value
// from the SSE2 copy is not ABI-stable with AVX, and GCC warns about it).
void load(Lanes& v, const float* p) { std::memcpy(&v, p, sizeof v); }

// The V·kLanes outputs at out + j0 after all T taps (inlined into each clone below, so
// compiled for its target).
template <size_t V>
__attribute__((always_inline)) inline void add_taps_block(float* out, const float* const* src, const float* w, size_t T, size_t j0) {
  Lanes acc[V];
  for (size_t v = 0; v < V; ++v) load(acc[v], out + j0 + v * kLanes);
  for (size_t t = 0; t < T; ++t) {
    const float wv = w[t];
    const float* from = src[t] + j0;
    for (size_t v = 0; v < V; ++v) {
      Lanes x;
      load(x, from + v * kLanes);
      acc[v] += wv * x;
    }
  }
  std::memcpy(out + j0, acc, sizeof acc);
}

#if defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
void add_taps(float* out, size_t n, const float* const* src, const float* w, size_t T) {
  size_t j0 = 0;
  for (; j0 + kBlock <= n; j0 += kBlock) add_taps_block<kVectors>(out, src, w, T, j0);
  for (; j0 + kLanes <= n; j0 += kLanes) add_taps_block<1>(out, src, w, T, j0);
  for (; j0 < n; ++j0) {
    float acc = out[j0];
    for (size_t t = 0; t < T; ++t) acc += w[t] * src[t][j0];
    out[j0] = acc;
  }
}

// out[j] = Σ_t a[t][j] · b[t][j] for j in [0, n), the products added to each out[j] in the
// order t = 0, 1, … (the same roundings as T multiply-adds into a zeroed out, one after the
// other), kBlock outputs at a time in registers.
template <size_t V>
__attribute__((always_inline)) inline void sum_products_block(float* out, const float* const* a, const float* const* b, size_t T, size_t j0) {
  Lanes acc[V] = {};
  for (size_t t = 0; t < T; ++t) {
    const float *x = a[t] + j0, *y = b[t] + j0;
    for (size_t v = 0; v < V; ++v) {
      Lanes xv, yv;
      load(xv, x + v * kLanes);
      load(yv, y + v * kLanes);
      acc[v] += xv * yv;
    }
  }
  std::memcpy(out + j0, acc, sizeof acc);
}

#if defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
void sum_products(float* out, size_t n, const float* const* a, const float* const* b, size_t T) {
  size_t j0 = 0;
  for (; j0 + kBlock <= n; j0 += kBlock) sum_products_block<kVectors>(out, a, b, T, j0);
  for (; j0 + kLanes <= n; j0 += kLanes) sum_products_block<1>(out, a, b, T, j0);
  for (; j0 < n; ++j0) {
    float acc = 0.0f;
    for (size_t t = 0; t < T; ++t) acc += a[t][j0] * b[t][j0];
    out[j0] = acc;
  }
}

thread_local std::vector<float> t_a, t_b;  // per-thread planes, grown once and reused
thread_local std::vector<const float*> t_src;  // the taps of one add_taps call
thread_local std::vector<const float*> t_other;  // the second factors of one sum_products call
thread_local std::vector<float> t_w;
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
      for (int k = 0; k < g.K; ++k) {
        std::fill_n(yp, L.out, b.defined() ? b.data()[k] : 0.0f);
        add_taps(yp, L.out, t_src.data(), Wt + size_t(k) * g.C * RS, t_src.size());  // w[k] is (C,R,S) in tap order
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
  // is dyp[t·D + F + j]. dx is then gathered rather than scattered, which add_taps needs:
  //   dxp[i] += w[k,c,r,s] · dy_k[i − (r·Wp + s)]       (0 where i − r·Wp − s is outside)
  // adds the same products to each dxp[i], in the same (k, r, s) order, as the scatter
  // dxp[j + r·Wp + s] += w · dy[j] over j would, so the sums are the same to the bit.
  const size_t F = size_t(g.R - 1) * L.Wp + g.S - 1, HWp = size_t(L.Hp) * L.Wp, D = F + HWp;
  std::vector<float> dyp(size_t(g.N) * g.K * D, 0.0f);
  conv_over_rows(g.N * g.K, L.out, [&](int lo, int hi) {
    for (int t = lo; t < hi; ++t)
      widen_plane(dY + size_t(t) * PQ, mask ? mask + size_t(t) * PQ : nullptr, g, L, dyp.data() + t * D + F);
  });
  if (x.requires_grad()) {
    float* dx = x.grad();
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
        std::fill_n(dxp, HWp, 0.0f);
        add_taps(dxp, HWp, t_src.data(), t_w.data(), t_src.size());
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
      // acc[rs·P·Wp + j]: the products at position j, summed over the images in order; the
      // positions are added up at the end (a sum along j would not vectorise). Every image's
      // plane of channel c is padded first, so that sum_products can run over the images
      // with the block of sums in registers.
      float* xp = scratch(t_a, size_t(g.N) * L.plane);
      float* acc = scratch(t_b, RS * L.out);
      int padded = -1;  // the channel whose planes xp holds
      for (int t = lo; t < hi; ++t) {  // pair t = (k, c)
        const int k = t / g.C, c = t % g.C;
        if (c != padded)
          for (int n = 0; n < g.N; ++n) pad_plane(X + (size_t(n) * g.C + c) * HW, g, L, xp + n * L.plane);
        padded = c;
        t_src.clear();
        for (int n = 0; n < g.N; ++n) t_src.push_back(dyp.data() + (size_t(n) * g.K + k) * D + F);
        for (int r = 0; r < g.R; ++r)
          for (int s = 0; s < g.S; ++s) {
            t_other.clear();
            for (int n = 0; n < g.N; ++n) t_other.push_back(xp + n * L.plane + size_t(r) * L.Wp + s);
            sum_products(acc + (size_t(r) * g.S + s) * L.out, L.out, t_src.data(), t_other.data(), size_t(g.N));
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
