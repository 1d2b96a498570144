// col2im_phases.cpp — col2im for stride > 1, the same sums in the same order, contiguous.
//
// col2im (conv.cpp) adds each filter tap's block of col into the image at every stride-th
// pixel: line[q·stride + off] += from[q]. With stride 2 that loop is a scalar load-add-store
// per pixel (bench/README.md: col2im was 18 % of a transposed convolution's time, its GEMM
// ~45 %). But a tap (r, s) only ever reaches the pixels of one phase: with
//   ih = p·stride − pad + r = stride·(p + dr) + φr,   φr = (r − pad) mod stride,
//   dr = ⌊(r − pad) / stride⌋  (and iw, φs, ds the same way from s),
// tap (r, s) adds col's (P, Q) block to the phase plane (φr, φs) — the pixels whose row is
// ≡ φr and column ≡ φs (mod stride) — shifted by (dr, ds), as one contiguous add per row.
// So each image plane is split into its stride² phase planes (one gather), every tap added
// in (r, s) order as in col2im, and the planes woven back (one scatter). Every pixel receives
// the same additions in the same order as in col2im, so the result is the same to the bit
// (tests/test_conv.cpp compares them on awkward geometries).
//
// Two more passes over the image fold in here, as each plane is in L1: the transposed
// convolution's start from the bias (the plane is then written, never read: the output is
// ~13 MB, so reading it back costs a trip to memory) and its fused ReLU.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/kernels/conv.h"
#include "autograd/kernels/rows.h"

namespace aet::kernels {

namespace {
// Where each phase plane (φr, φs) starts in one buffer of H·W floats, and its sides.
struct Phases {
  int st, H, W;
  std::vector<int> rows, cols;  // rows[φr], cols[φs]
  std::vector<size_t> at;       // at[φr·st + φs]
  static int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
  // The rows (or columns) of phase φ in a side of n pixels: φ, φ + stride, ... < n.
  static int phase_len(int n, int phi, int stride) { return phi < n ? (n - phi + stride - 1) / stride : 0; }
  // o[b] = line[b·stride] for b < n, and back: strides other than 2 (split and weave do
  // stride 2 themselves, both phases of a row in one pass).
  static void gather(float* __restrict o, const float* __restrict line, int stride, int n) {
    for (int b = 0; b < n; ++b) o[b] = line[b * stride];
  }
  static void scatter(float* __restrict line, const float* __restrict o, int stride, int n) {
    for (int b = 0; b < n; ++b) line[b * stride] = o[b];
  }
  // φ and d of a filter tap t: t − pad = stride·d + φ, 0 <= φ < stride.
  int phase(int t, int pad) const { return (t - pad) - st * floor_div(t - pad, st); }
  int shift(int t, int pad) const { return floor_div(t - pad, st); }

  explicit Phases(const ConvGeom& g) : st(g.stride), H(g.H), W(g.W), rows(st), cols(st), at(size_t(st) * st) {
    for (int f = 0; f < st; ++f) rows[f] = phase_len(H, f, st), cols[f] = phase_len(W, f, st);
    size_t next = 0;
    for (int fr = 0; fr < st; ++fr)
      for (int fs = 0; fs < st; ++fs) at[size_t(fr) * st + fs] = next, next += size_t(rows[fr]) * cols[fs];
  }
  // buf ← plane split into phases; plane ← buf woven back. Row by row of the image: row ih
  // holds row ih / stride of the phases (ih mod stride, φs) for every φs, interleaved.
  void split(const float* plane, float* buf) const {
    for (int ih = 0; ih < H; ++ih) {
      const float* line = plane + size_t(ih) * W;
      if (st == 2) {  // the models' stride: both phases in one pass (vectorised with shuffles)
        float* e = row(buf, ih, 0);
        float* o = row(buf, ih, 1);
        const int n = cols[1];
        for (int b = 0; b < n; ++b) e[b] = line[2 * b], o[b] = line[2 * b + 1];
        if (cols[0] > n) e[n] = line[2 * n];
      } else {
        for (int fs = 0; fs < st; ++fs) gather(row(buf, ih, fs), line + fs, st, cols[fs]);
      }
    }
  }
  void weave(const float* buf, float* plane) const {
    for (int ih = 0; ih < H; ++ih) {
      float* line = plane + size_t(ih) * W;
      if (st == 2) {
        const float* e = row(buf, ih, 0);
        const float* o = row(buf, ih, 1);
        const int n = cols[1];
        for (int b = 0; b < n; ++b) line[2 * b] = e[b], line[2 * b + 1] = o[b];
        if (cols[0] > n) line[2 * n] = e[n];
      } else {
        for (int fs = 0; fs < st; ++fs) scatter(line + fs, row(buf, ih, fs), st, cols[fs]);
      }
    }
  }
  // The row of phase (ih mod stride, fs) that holds image row ih.
  float* row(float* buf, int ih, int fs) const {
    return buf + at[size_t(ih % st) * st + fs] + size_t(ih / st) * cols[fs];
  }
  const float* row(const float* buf, int ih, int fs) const { return row(const_cast<float*>(buf), ih, fs); }
};
}  // namespace

void col2im_phases(const float* col, const ConvGeom& g, int n0, int G, float* img, const Col2imEnds& ends) {
  if (g.stride < 2) throw std::invalid_argument("col2im_phases: stride " + std::to_string(g.stride) + ", not > 1 (col2im serves stride 1)");
  const Phases ph(g);
  const size_t HW = size_t(g.H) * g.W, PQ = size_t(g.P) * g.Q, row_len = size_t(G) * PQ;
  conv_over_rows(g.C * G, size_t(g.R) * g.S * PQ, [&](int lo, int hi) {
    thread_local std::vector<float> buf;
    buf.resize(HW);
    for (int t = lo; t < hi; ++t) {
      const int c = t / G, i = t % G;
      float* plane = img + (size_t(n0 + i) * g.C + c) * HW;
      if (ends.overwrite)  // the start value, without reading img (same bits as filling it first)
        std::fill(buf.begin(), buf.end(), ends.bias ? ends.bias[c] : 0.0f);
      else
        ph.split(plane, buf.data());
      for (int r = 0; r < g.R; ++r) {
        const int fr = ph.phase(r, g.pad), dr = ph.shift(r, g.pad);
        for (int s = 0; s < g.S; ++s) {
          const int fs = ph.phase(s, g.pad), ds = ph.shift(s, g.pad);
          int q_lo, q_hi;
          conv_inside_columns(g, s, &q_lo, &q_hi);
          const float* in = col + (size_t(c * g.R + r) * g.S + s) * row_len + size_t(i) * PQ;
          float* phase = buf.data() + ph.at[size_t(fr) * ph.st + fs];
          // The rows p whose image row ih = (p + dr)·stride + fr lies inside the image.
          const int p_lo = std::max(0, -dr), p_hi = std::min(g.P, ph.rows[fr] - dr);
          if (q_lo == 0 && q_hi == g.Q && ph.cols[fs] == g.Q && ds == 0) {  // whole rows, back to back
            if (p_hi > p_lo)
              add_row(phase + size_t(p_lo + dr) * g.Q, in + size_t(p_lo) * g.Q, size_t(p_hi - p_lo) * g.Q);
            continue;
          }
          for (int p = p_lo; p < p_hi; ++p) {
            const float* from = in + size_t(p) * g.Q;
            float* to = phase + size_t(p + dr) * ph.cols[fs] + ds;  // column b = q + ds
            for (int q = q_lo; q < q_hi; ++q) to[q] += from[q];
          }
        }
      }
      if (ends.relu) relu_row(buf.data(), HW);
      ph.weave(buf.data(), plane);
    }
  });
}

}  // namespace aet::kernels
