// conv_rows.cpp — im2col and col2im for stride 2, each image row held in AVX-512 registers.
//
// The models' strided convolutions have stride 2 and rows of 7, 14 or 28 pixels. im2col and
// col2im_phases work through them in loops over 7 or 14 floats, where the loop overhead,
// not the copying, is the cost (bench/RESULTS.md, round 12). Here each row (or, 17 to 32
// wide, each half of it) is one 16-float vector, loaded, combined and stored at once:
//   im2col   (3-wide filters) the (i, p) segment of col row (c, r, s) is lanes of the 32
//            image floats from column off = s − pad of line ih = 2p − pad + r:
//              col[(c,r,s)][i, p, q] = img[i, c, ih, 2q + off],  0 where that is padding;
//   col2im   image row ih = 2a + φr is summed in two registers, its even pixels (φs = 0)
//            and its odd ones (φs = 1): from each filter row r of phase φr, the col row
//            p = a − dr of each tap (r, s) goes to the lanes b = q + ds of phase φs
//              acc[φs][b] += col[(c,r,s)][i, p, b − ds]        (t − pad = 2·d + φ, t = r or s),
//            then the ReLU, then the two phases are interleaved into the row and stored.
// Lanes outside the image or the block are left alone by a select, never given a + 0, so
// every pixel receives the same additions in the same order as in col2im ((r, s)
// ascending) and every col entry the same value as from im2col: the same bits
// (tests/test_conv.cpp). Rows too long for the registers, and other strides, take im2col,
// and col2im_phases (stride > 1) or col2im (stride 1).
//
// The vectors are GCC's and clang's vector types, compiled for AVX-512 only and run only
// with the avx512 GEMM kernel. Without AVX-512 a 16-float vector is split into pieces,
// and its shuffles and selects became element-by-element code: the same kernels compiled
// for AVX2 ran 14× slower than with AVX-512 and 7× slower than col2im_phases
// (bench/RESULTS.md, round 12). With other kernels (AET_GEMM_KERNEL=avx2 included) im2col
// and col2im_phases serve, as before.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "autograd/gemm.h"
#include "autograd/kernels/conv.h"
#include "autograd/kernels/rows.h"

namespace aet::kernels {
namespace {

constexpr int kLanes = 16;

#if defined(__x86_64__)
using Lanes = float __attribute__((vector_size(kLanes * sizeof(float))));
using Mask = int __attribute__((vector_size(kLanes * sizeof(int))));

int floor_div2(int a) { return a >= 0 ? a / 2 : -((-a + 1) / 2); }

// What every plane of one call shares: for each filter row r its phase and shift, for
// each tap s its phase, shift and the lanes b it may add to (0 ≤ q = b − ds < Q and
// pixel 2b + φs inside the image).
struct Plan {
  const ConvGeom& g;
  std::vector<int> phase_r, shift_r, phase_s, shift_s;
  std::vector<int> lanes;  // (S, kLanes): −1 where tap s adds, 0 where it leaves the lane alone
  explicit Plan(const ConvGeom& g)
      : g(g), phase_r(g.R), shift_r(g.R), phase_s(g.S), shift_s(g.S), lanes(size_t(g.S) * kLanes) {
    for (int r = 0; r < g.R; ++r) shift_r[r] = floor_div2(r - g.pad), phase_r[r] = r - g.pad - 2 * shift_r[r];
    for (int s = 0; s < g.S; ++s) {
      shift_s[s] = floor_div2(s - g.pad), phase_s[s] = s - g.pad - 2 * shift_s[s];
      const int width = (g.W - phase_s[s] + 1) / 2;  // pixels of phase φs in a row
      for (int b = 0; b < kLanes; ++b) {
        const int q = b - shift_s[s];
        lanes[size_t(s) * kLanes + b] = b < width && q >= 0 && q < g.Q ? -1 : 0;
      }
    }
  }
};

// The 16 floats src[at .. at + 16) of an array of `size` floats (col, an image or a mask);
// lanes past either end (its first and last rows) read 0, and their masks leave them alone
// anyway.
__attribute__((always_inline)) inline void load_lanes(Lanes& v, const float* src, ptrdiff_t at, ptrdiff_t size) {
  if (at >= 0 && at + kLanes <= size) {
    std::memcpy(&v, src + at, sizeof v);
    return;
  }
  float tmp[kLanes] = {};
  for (ptrdiff_t l = std::max<ptrdiff_t>(0, -at); l < kLanes && at + l < size; ++l) tmp[l] = src[at + l];
  std::memcpy(&v, tmp, sizeof v);
}

// v ← x in every lane, as one broadcast (by reference: a 64-byte
// vector returned by value is not ABI-stable across targets, and GCC warns about it).
__attribute__((always_inline)) inline void splat(Lanes& v, float x) {
  Lanes one = {};
  one[0] = x;
  v = __builtin_shufflevector(one, one, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

// dst[0 .. n) ← the first n lanes of v, n ≤ 16, in stores of 16, 8, 4, 2 and 1 floats
// straight from the register (a vector parked on the stack and read back in smaller
// pieces stalls: the store cannot be forwarded to them).
__attribute__((always_inline)) inline void store_lanes(float* dst, const Lanes& v, int n) {
  using Lanes8 = float __attribute__((vector_size(8 * sizeof(float))));
  using Lanes4 = float __attribute__((vector_size(4 * sizeof(float))));
  using Lanes2 = float __attribute__((vector_size(2 * sizeof(float))));
  if (n == kLanes) {
    std::memcpy(dst, &v, sizeof v);
    return;
  }
  Lanes8 v8 = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
  if (n & 8) {
    std::memcpy(dst, &v8, sizeof v8);
    v8 = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    dst += 8;
  }
  Lanes4 v4 = __builtin_shufflevector(v8, v8, 0, 1, 2, 3);
  if (n & 4) {
    std::memcpy(dst, &v4, sizeof v4);
    v4 = __builtin_shufflevector(v8, v8, 4, 5, 6, 7);
    dst += 4;
  }
  Lanes2 v2 = __builtin_shufflevector(v4, v4, 0, 1);
  if (n & 2) {
    std::memcpy(dst, &v2, sizeof v2);
    v2 = __builtin_shufflevector(v4, v4, 2, 3);
    dst += 2;
  }
  if (n & 1) dst[0] = v2[0];
}

// The same as store_lanes, as one store under a lane mask (AVX-512's masked store writes only
// those lanes, and cannot fault on the others). im2col_rows stores 7 or 14 floats three
// times per image row, and ran ~20 % faster with it than with store_lanes' pieces; col2im_rows
// stores 16 + 12 floats per row, and was no faster or a little slower (Zen 5, bench/RESULTS.md
// round 13).
__attribute__((always_inline, target("avx512f"))) inline void store_lanes_masked(float* dst, const Lanes& v, int n) {
  _mm512_mask_storeu_ps(dst, __mmask16((1u << n) - 1), __m512(v));
}

// col2im: planes lo .. hi−1 of the call ((c, i) = (t / G, t % G), as col2im_phases splits them).
__attribute__((target("avx512f"))) void col2im_avx512(const Plan& pl, const float* col, int n0, int G, float* img,
                                                      const Col2imEnds& ends, int lo, int hi) {
  const ConvGeom& g = pl.g;
  const int R = g.R, S = g.S;
  const size_t HW = size_t(g.H) * g.W, PQ = size_t(g.P) * g.Q, row_len = size_t(G) * PQ;
  const ptrdiff_t col_size = ptrdiff_t(size_t(g.C) * R * S * row_len);
  Mask lanes[8];  // the taps' masks, for up to 8 taps per filter row (wider filters: col2im_phases)
  for (int s = 0; s < S; ++s) std::memcpy(&lanes[s], &pl.lanes[size_t(s) * kLanes], sizeof(Mask));
  for (int t = lo; t < hi; ++t) {
    const int c = t / G, i = t % G;
    float* plane = img + (size_t(n0 + i) * g.C + c) * HW;
    const ptrdiff_t taps = ptrdiff_t(size_t(c) * R * S * row_len + size_t(i) * PQ);  // row (c, 0, 0), image i
    Lanes start;  // every row's first value, from the bias
    splat(start, ends.bias ? ends.bias[c] : 0.0f);
    for (int ih = 0; ih < g.H; ++ih) {
      float* line = plane + size_t(ih) * g.W;
      Lanes even, odd;  // the row's pixels 2b and 2b + 1 in lane b
      if (ends.overwrite) {
        even = odd = start;
      } else {  // the row as it is, split into its even and odd pixels
        float both[2 * kLanes] = {};
        copy_row(both, line, size_t(g.W));
        Lanes a, b;
        std::memcpy(&a, both, sizeof a);
        std::memcpy(&b, both + kLanes, sizeof b);
        even = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        odd = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
      }
      const int fr = ih & 1, a = ih >> 1;
      for (int r = 0; r < R; ++r) {
        const int p = a - pl.shift_r[r];
        if (pl.phase_r[r] != fr || p < 0 || p >= g.P) continue;
        for (int s = 0; s < S; ++s) {
          Lanes v;
          load_lanes(v, col, taps + ptrdiff_t(size_t(r * S + s) * row_len + size_t(p) * g.Q) - pl.shift_s[s], col_size);
          if (pl.phase_s[s] == 0)
            even = lanes[s] ? even + v : even;
          else
            odd = lanes[s] ? odd + v : odd;
        }
      }
      if (ends.relu) {  // relu_row's select
        even = even > 0.0f ? even : Lanes{};
        odd = odd > 0.0f ? odd : Lanes{};
      }
      const Lanes first =  // pixels 0 .. 15 of the row, then 16 .. 31
          __builtin_shufflevector(even, odd, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
      const Lanes second =
          __builtin_shufflevector(even, odd, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
      store_lanes(line, first, std::min(g.W, kLanes));
      if (g.W > kLanes) store_lanes(line + kLanes, second, g.W - kLanes);
    }
  }
}

// im2col for 3-wide filters (the models' 3×3): the three rows (c, r, 0 .. 2) of col read
// the same image line at each (i, p), at columns 2q + s − pad, so one pair of loads from
// base = the line's column −pad serves all three: tap 0 takes the even lanes of base, tap
// 1 the odd ones, tap 2 the even ones moved down by one lane (base[2q + 2]). Filter rows
// lo .. hi−1 ((c, r) = (group / R, group mod R)); needs Q <= 15 (tap 2 then reads at most
// base[30]). Masked, as the fused ReLU's backward reads dY · [y > 0].
__attribute__((target("avx512f"))) void im2col_avx512(const ConvGeom& g, const float* img, const float* mask, int n0,
                                                      int G, float* col, int lo, int hi) {
  const size_t HW = size_t(g.H) * g.W, PQ = size_t(g.P) * g.Q, row_len = size_t(G) * PQ;
  const ptrdiff_t img_size = ptrdiff_t(size_t(n0 + G) * g.C * HW);  // the images this call reads
  const Lanes zero = {};
  Mask inside[3];  // per tap: lanes q_lo <= q < q_hi read the image, the others the padding's 0
  for (int s = 0; s < 3; ++s) {
    int q_lo, q_hi;
    conv_inside_columns(g, s, &q_lo, &q_hi);
    for (int q = 0; q < kLanes; ++q) inside[s][q] = q >= q_lo && q < q_hi ? -1 : 0;
  }
  // The taps' lanes from the even (E) and odd (O) lanes of base: E, O, and E moved down one.
  auto taps = [](const Lanes& a, const Lanes& b, Lanes& t0, Lanes& t1, Lanes& t2) {
    t0 = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    t1 = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    t2 = __builtin_shufflevector(a, b, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 30);
  };
  for (int group = lo; group < hi; ++group) {
    const int c = group / g.R, r = group % g.R;
    float* out = col + size_t(group) * 3 * row_len;  // row (c, r, 0); (c, r, s) is s·row_len further
    for (int i = 0; i < G; ++i) {
      const size_t plane = (size_t(n0 + i) * g.C + c) * HW;
      for (int p = 0; p < g.P; ++p) {
        float* o = out + size_t(i) * PQ + size_t(p) * g.Q;
        const int ih = p * 2 - g.pad + r;
        if (ih < 0 || ih >= g.H) {
          for (int s = 0; s < 3; ++s) store_lanes_masked(o + s * row_len, zero, g.Q);
          continue;
        }
        const ptrdiff_t at = ptrdiff_t(plane + size_t(ih) * g.W) - g.pad;
        Lanes a, b, v[3];
        load_lanes(a, img, at, img_size);
        load_lanes(b, img, at + kLanes, img_size);
        taps(a, b, v[0], v[1], v[2]);
        if (mask) {
          Lanes m[3];
          load_lanes(a, mask, at, img_size);
          load_lanes(b, mask, at + kLanes, img_size);
          taps(a, b, m[0], m[1], m[2]);
          for (int s = 0; s < 3; ++s) v[s] = m[s] > 0.0f ? v[s] : zero;  // relu_mask_row's select
        }
        for (int s = 0; s < 3; ++s) store_lanes_masked(o + s * row_len, inside[s] ? v[s] : zero, g.Q);
      }
    }
  }
}

}  // namespace

bool conv_rows_available() { return std::strcmp(gemm_kernel_name(), "avx512") == 0; }

#else  // no AVX-512 copy: im2col and col2im_phases serve every geometry

}  // namespace

bool conv_rows_available() { return false; }

#endif

static bool col2im_rows_geometry(const ConvGeom& g) { return g.stride == 2 && g.W <= 2 * kLanes && g.S <= 8; }
bool col2im_rows_fits(const ConvGeom& g) { return conv_rows_available() && col2im_rows_geometry(g); }
// 3-wide filters (every strided layer of the models); others take im2col.
static bool im2col_rows_geometry(const ConvGeom& g) { return g.stride == 2 && g.S == 3 && g.Q <= kLanes - 1; }
bool im2col_rows_fits(const ConvGeom& g) { return conv_rows_available() && im2col_rows_geometry(g); }

// Why a call is refused: its geometry (`limits`, when it does not fit), or the kernel.
static std::string refusal(const char* name, bool geometry_fits, const std::string& limits) {
  if (!geometry_fits) return std::string(name) + ": " + limits;
  return std::string(name) + ": the geometry fits, but it runs only with the avx512 GEMM kernel and this run uses " +
         gemm_kernel_name() + " (set AET_GEMM_KERNEL=avx512 on an AVX-512 CPU)";
}

void col2im_rows(const float* col, const ConvGeom& g, int n0, int G, float* img, const Col2imEnds& ends) {
  if (!col2im_rows_fits(g))
    throw std::invalid_argument(refusal("col2im_rows", col2im_rows_geometry(g),
                                        "stride " + std::to_string(g.stride) + ", width " + std::to_string(g.W) +
                                            ", " + std::to_string(g.S) +
                                            " filter columns; it serves stride 2, width <= 32, at most 8 columns "
                                            "(col2im_phases serves the rest)"));
#if defined(__x86_64__)
  const Plan plan(g);
  conv_over_rows(g.C * G, size_t(g.R) * g.S * size_t(g.P) * g.Q,
                 [&](int lo, int hi) { col2im_avx512(plan, col, n0, G, img, ends, lo, hi); });
#else
  (void)col, (void)n0, (void)G, (void)img, (void)ends;
#endif
}

void im2col_rows(const float* img, const ConvGeom& g, int n0, int G, float* col, const float* mask) {
  if (!im2col_rows_fits(g))
    throw std::invalid_argument(refusal("im2col_rows", im2col_rows_geometry(g),
                                        "stride " + std::to_string(g.stride) + ", " + std::to_string(g.S) +
                                            " filter columns, " + std::to_string(g.Q) +
                                            " output columns; it serves stride 2, 3 filter columns, at most 15 "
                                            "output columns (im2col serves the rest)"));
#if defined(__x86_64__)
  conv_over_rows(g.C * g.R, size_t(3) * G * g.P * g.Q,
                 [&](int lo, int hi) { im2col_avx512(g, img, mask, n0, G, col, lo, hi); });
#else
  (void)img, (void)n0, (void)G, (void)col, (void)mask;
#endif
}

}  // namespace aet::kernels
