// test_conv.cpp — conv2d and conv_transpose2d: values worked out by hand, the transpose as
// conv2d's adjoint, central-difference gradient checks on every element, the im2col kernels
// against the seven-loop twins on awkward sizes and thread counts, the bounded scratch,
// every error message, the Conv2d / ConvTranspose2d layers and the conv autoencoder.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "autograd/gemm.h"
#include "autograd/kernels/conv.h"
#include "autograd/kernels/cpu_features.h"
#include "autograd/kernels/rows.h"
#include "autograd/kernels/stencil_sums.h"
#include "autograd/ops.h"
#include "autograd/thread_pool.h"
#include "datasets/loader.h"
#include "datasets/synthetic.h"
#include "models/conv_autoencoder.h"
#include "nn/layers.h"
#include "nn/optim.h"
#include "tests/train_epochs.h"
#include "tests/gradcheck.h"

using namespace aet;
using aet::testing::train_epochs;
using aet::testing::gradcheck;
using aet::testing::rand_param;
using aet::testing::rand_away_from_zero;
using kernels::ConvGeom;

using Inputs = std::vector<Tensor>;

TEST_CASE("conv2d: forward by hand") {
  // The 3x3 image 1..9 under a 2x2 kernel of ones: each output sums a 2x2 window.
  Tensor x = Tensor::from({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Tensor w = Tensor::full({1, 1, 2, 2}, 1.0f);
  Tensor b = Tensor::from({1}, {0.5f});
  CHECK(conv2d(x, w, b).to_vector() == std::vector<float>{12.5f, 16.5f, 24.5f, 28.5f});
  // Stride 2 with padding 1 reads the windows {pad,pad,pad,1}, {pad,pad,2,3}, {pad,4,pad,7}, {5,6,8,9}.
  CHECK(conv2d(x, w, Tensor(), 2, 1).to_vector() == std::vector<float>{1, 5, 11, 28});
  // Two filters (identity tap, minus the top-left tap) over two channels summed.
  Tensor x2 = Tensor::from({1, 2, 2, 2}, {1, 2, 3, 4, 10, 20, 30, 40});
  Tensor w2 = Tensor::from({2, 2, 1, 1}, {1, 1, -1, 0});
  CHECK(conv2d(x2, w2, Tensor()).to_vector() == std::vector<float>{11, 22, 33, 44, -1, -2, -3, -4});
}

TEST_CASE("conv_transpose2d: forward by hand") {
  // Stride 2 with a 2x2 kernel of ones copies every input pixel into its own 2x2 block.
  Tensor x = Tensor::from({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor w = Tensor::full({1, 1, 2, 2}, 1.0f);
  CHECK(conv_transpose2d(x, w, Tensor::from({1, 1}, {0.5f}), 2).to_vector() ==
        std::vector<float>{1.5f, 1.5f, 2.5f, 2.5f, 1.5f, 1.5f, 2.5f, 2.5f,  //
                           3.5f, 3.5f, 4.5f, 4.5f, 3.5f, 3.5f, 4.5f, 4.5f});
  // Stride 1: the 2x2 blocks overlap and add up, (2+1)x(2+1) outputs.
  CHECK(conv_transpose2d(x, w, Tensor()).to_vector() == std::vector<float>{1, 3, 2, 4, 10, 6, 3, 7, 4});
  // C_in = 1, C_out = 2: the weight's second dimension is the output's channels.
  Tensor w2 = Tensor::from({1, 2, 1, 1}, {2, -1});
  CHECK(conv_transpose2d(x, w2, Tensor()).to_vector() == std::vector<float>{2, 4, 6, 8, -1, -2, -3, -4});
}

static double dot(const Tensor& a, const Tensor& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a.data()[i]) * b.data()[i];
  return s;
}

TEST_CASE("conv_transpose2d is conv2d's adjoint: <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>") {
  Rng rng(7);
  struct Case { int H, W, R, stride, pad, output_padding; };
  // H = 8 at stride 2 needs output_padding 1 to map back to 8 (7 and 8 both give 4 outputs).
  for (Case c : {Case{7, 9, 3, 2, 1, 0}, Case{8, 8, 3, 2, 1, 1}, Case{5, 6, 1, 1, 0, 0}, Case{9, 12, 5, 3, 2, 2}}) {
    CAPTURE(c.H);
    CAPTURE(c.stride);
    Tensor x = Tensor::uniform({2, 3, c.H, c.W}, rng, -1, 1);
    Tensor w = Tensor::uniform({4, 3, c.R, c.R}, rng, -1, 1);
    Tensor y0 = conv2d(x, w, Tensor(), c.stride, c.pad);
    Tensor y = Tensor::uniform(y0.shape(), rng, -1, 1);
    Tensor xt = conv_transpose2d(y, w, Tensor(), c.stride, c.pad, c.output_padding);
    REQUIRE(xt.shape() == x.shape());
    CHECK(dot(y0, y) == doctest::Approx(dot(x, xt)).epsilon(1e-5));
  }
}

// Every stride, padding, kernel and channel count the issue lists, on odd image sizes.
// Both ops are linear in each input, so the central difference is exact up to float
// rounding and the default tolerances of gradcheck.h hold with a wide margin.
TEST_CASE("conv2d: gradient check, stride 1 and 2, padding 0 and 1, kernels 1, 3, 5") {
  Rng rng(21);
  int configs = 0;
  for (int stride : {1, 2})
    for (int pad : {0, 1})
      for (int k : {1, 3, 5})
        for (int C : {1, 2}) {
          const int K = C == 1 ? 1 : 3;
          CAPTURE(stride);
          CAPTURE(pad);
          CAPTURE(k);
          CAPTURE(C);
          Tensor x = rand_param({2, C, 5, 7}, rng);
          Tensor w = rand_param({K, C, k, k}, rng);
          Tensor b = configs % 2 ? rand_param({K}, rng) : rand_param({1, K}, rng);
          gradcheck("conv2d", [=](Inputs& in) { return conv2d(in[0], in[1], in[2], stride, pad); }, {x, w, b});
          ++configs;
        }
  CHECK(configs == 24);
  Tensor x = rand_param({1, 2, 3, 3}, rng), w = rand_param({2, 2, 3, 3}, rng);
  gradcheck("conv2d without bias", [](Inputs& in) { return conv2d(in[0], in[1], Tensor(), 1, 1); }, {x, w});
}

TEST_CASE("conv_transpose2d: gradient check, stride 1 and 2, padding 0 and 1, kernels 1, 3, 5") {
  Rng rng(22);
  int configs = 0;
  for (int stride : {1, 2})
    for (int pad : {0, 1})
      for (int k : {1, 3, 5})
        for (int C : {1, 2}) {
          const int K = C == 1 ? 1 : 3, output_padding = stride == 2 ? configs % 2 : 0;
          CAPTURE(stride);
          CAPTURE(pad);
          CAPTURE(k);
          CAPTURE(C);
          CAPTURE(output_padding);
          Tensor x = rand_param({2, C, 3, 5}, rng);
          Tensor w = rand_param({C, K, k, k}, rng);
          Tensor b = rand_param({K}, rng);
          gradcheck("conv_transpose2d",
                    [=](Inputs& in) { return conv_transpose2d(in[0], in[1], in[2], stride, pad, output_padding); },
                    {x, w, b});
          ++configs;
        }
  CHECK(configs == 24);
}

// ---- the im2col kernels against the seven loops -----------------------------------------

static ConvGeom geometry(int N, int C, int H, int W, int K, int R, int S, int stride, int pad) {
  return ConvGeom{N, C, H, W, K, R, S, stride, pad, (H + 2 * pad - R) / stride + 1, (W + 2 * pad - S) / stride + 1};
}

// The whole geometry in one line, for a failing check's report.
static std::string describe(const ConvGeom& g) {
  return "N=" + std::to_string(g.N) + " C=" + std::to_string(g.C) + " H×W=" + std::to_string(g.H) + "x" +
         std::to_string(g.W) + " K=" + std::to_string(g.K) + " R×S=" + std::to_string(g.R) + "x" +
         std::to_string(g.S) + " stride=" + std::to_string(g.stride) + " pad=" + std::to_string(g.pad);
}

struct Result {
  std::vector<float> y, dx, dw, db;
};

// The direct twins have no fused ReLU: it is applied to their output by hand, and their
// backward gets dY · [y > 0].
static void relu_by_hand(Tensor& y) {
  for (size_t i = 0; i < y.size(); ++i) y.data()[i] = std::max(y.data()[i], 0.0f);
}
static void mask_grad_by_hand(Tensor& y) {
  for (size_t i = 0; i < y.size(); ++i)
    if (!(y.data()[i] > 0.0f)) y.grad()[i] = 0.0f;
}

// Forward and backward of one op (conv2d, or with transpose its adjoint; with relu the
// fused *_relu version) through the fast kernels or the direct twins, with a fixed random
// output gradient.
static Result run(const ConvGeom& g, bool transpose, bool fast, uint64_t seed, bool relu = false) {
  Rng rng(seed);
  const Shape image{g.N, g.C, g.H, g.W}, out{g.N, g.K, g.P, g.Q};
  Tensor x = Tensor::uniform(transpose ? out : image, rng, -1, 1, true);
  Tensor w = Tensor::uniform({g.K, g.C, g.R, g.S}, rng, -1, 1, true);
  Tensor b = Tensor::uniform({transpose ? g.C : g.K}, rng, -1, 1, true);
  Tensor y = transpose ? (fast ? kernels::conv_transpose2d_forward(x, w, b, g, relu)
                               : kernels::conv_transpose2d_forward_direct(x, w, b, g))
                       : (fast ? kernels::conv2d_forward(x, w, b, g, relu) : kernels::conv2d_forward_direct(x, w, b, g));
  if (relu && !fast) relu_by_hand(y);
  Tensor dy = Tensor::uniform(y.shape(), rng, -1, 1);
  std::memcpy(y.grad(), dy.data(), dy.size() * sizeof(float));
  if (relu && !fast) mask_grad_by_hand(y);
  if (transpose && fast) kernels::conv_transpose2d_backward(x, w, b, y, g, relu);
  if (transpose && !fast) kernels::conv_transpose2d_backward_direct(x, w, b, y, g);
  if (!transpose && fast) kernels::conv2d_backward(x, w, b, y, g, relu);
  if (!transpose && !fast) kernels::conv2d_backward_direct(x, w, b, y, g);
  auto grad = [](Tensor& t) { return std::vector<float>(t.grad(), t.grad() + t.size()); };
  return {y.to_vector(), grad(x), grad(w), grad(b)};
}

// Each value is a sum of a few hundred products of numbers in [-1, 1]: float sums in any
// order stay within ~1e-5 of the double ones.
static void check_close(const char* what, const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  int bad = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::fabs(a[i] - b[i]) > 1e-4f * (1.0f + std::fabs(b[i]))) {
      if (bad++ < 3) FAIL_CHECK(what << "[" << i << "]: fast " << a[i] << " vs direct " << b[i]);
    }
  CHECK_MESSAGE(bad == 0, what << ": " << bad << " mismatches");
}

// The output and all three gradients of a fast path against the direct loops.
static void check_close(const Result& fast, const Result& direct) {
  check_close("y", fast.y, direct.y);
  check_close("dx", fast.dx, direct.dx);
  check_close("dw", fast.dw, direct.dw);
  check_close("db", fast.db, direct.db);
}

// Awkward sizes: one image, odd and non-square images and kernels, 7 filters, stride 3, and
// one case large enough (9 images of 16x32x32, 3x3) to run in two chunks and on two threads.
static const ConvGeom kAwkward[] = {
    geometry(1, 1, 1, 1, 1, 1, 1, 1, 0),  geometry(3, 3, 9, 11, 7, 3, 5, 1, 1),
    geometry(2, 5, 13, 7, 7, 5, 3, 2, 1), geometry(1, 3, 17, 9, 33, 3, 3, 3, 2),
    geometry(9, 16, 32, 32, 8, 3, 3, 1, 1),
};

// With relu, the fused conv2d_relu / conv_transpose2d_relu kernels against the direct
// loops followed by a ReLU.
TEST_CASE("conv kernels: im2col + gemm equal the direct loops on awkward sizes, 1 and 2 threads") {
  const int saved = num_threads();
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (bool relu : {false, true})
      for (bool transpose : {false, true})
        for (const ConvGeom& g : kAwkward) {
          CAPTURE(threads);
          CAPTURE(relu);
          CAPTURE(transpose);
          INFO(describe(g));
          check_close(run(g, transpose, true, 99, relu), run(g, transpose, false, 99, relu));
        }
  }
  set_num_threads(saved);
}

TEST_CASE("conv kernels: the results are bit-identical on 1 and 2 threads") {
  const int saved = num_threads();
  const ConvGeom& g = kAwkward[4];  // two chunks, every kernel above its threading threshold
  REQUIRE(kernels::conv_images_per_chunk(g) < g.N);
  for (bool transpose : {false, true}) {
    CAPTURE(transpose);
    set_num_threads(1);
    const Result one = run(g, transpose, true, 5);
    set_num_threads(2);
    const Result two = run(g, transpose, true, 5);
    CHECK(one.y == two.y);
    CHECK(one.dx == two.dx);
    CHECK(one.dw == two.dw);
    CHECK(one.db == two.db);
  }
  set_num_threads(saved);
}

// The GEMM kernels this CPU runs, each with whether conv_rows.cpp's kernels run with it
// (the avx512 kernel only).
static std::vector<std::pair<std::string, bool>> kernels_and_rows() {
  std::vector<std::pair<std::string, bool>> list{{"portable", false}};
#if defined(__x86_64__)
  if (kernels::cpu_has_avx2_fma()) list.push_back({"avx2", false});
  if (kernels::cpu_has_avx512()) list.push_back({"avx512", true});
#endif
  return list;
}

// Bit for bit, not ==: −0 and +0 compare equal, and a kernel that adds + 0 where it should
// leave a pixel alone turns one into the other.
static bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Uniform values in [-1, 1) with a −0 every `every` entries.
static Tensor uniform_with_negative_zeros(const Shape& shape, Rng& rng, size_t every) {
  Tensor t = Tensor::uniform(shape, rng, -1, 1);
  for (size_t j = 0; j < t.size(); j += every) t.data()[j] = -0.0f;
  return t;
}

// relu_row's ReLU, v > 0 ? v : 0 (std::max(v, 0.0f) keeps a −0).
static float relu_of(float v) { return v > 0.0f ? v : 0.0f; }

// col2im_phases (stride > 1) and col2im_rows (stride 2, images up to 32 wide; the avx512
// kernel, the others refuse it) add the same numbers in the same order as col2im, so the
// results must agree to the bit, −0 included: added into what the image holds, and started
// over (from the bias, or 0; with and without the ReLU after), where the image's old
// contents (NaN here) must not leak in. Strides 2 and 3, padding 0 to 2, kernels 1 to 5,
// odd and non-square sides, 1 to 33 wide (32: the odd pixels fill a register), a chunk of
// images 1 and 2 of 3 or 4, at 1 and 2 threads (the 28×28 geometry is above the
// threading threshold).
TEST_CASE("conv kernels: col2im_phases and col2im_rows give col2im's bits, 1 and 2 threads") {
  const int saved = num_threads();
  const ConvGeom geoms[] = {geometry(3, 2, 5, 5, 1, 3, 3, 2, 1),   geometry(3, 3, 9, 12, 1, 3, 5, 2, 2),
                            geometry(3, 1, 7, 5, 1, 2, 3, 3, 1),   geometry(3, 2, 8, 7, 1, 1, 1, 2, 0),
                            geometry(3, 2, 11, 10, 1, 4, 4, 3, 2), geometry(3, 32, 28, 28, 1, 3, 3, 2, 1),
                            geometry(4, 2, 32, 31, 1, 3, 3, 2, 1), geometry(3, 2, 6, 33, 1, 3, 3, 2, 1),
                            geometry(3, 2, 1, 1, 1, 1, 1, 2, 0),   geometry(4, 2, 6, 32, 1, 3, 3, 2, 1),
                            geometry(4, 2, 9, 30, 1, 4, 4, 2, 1),  geometry(4, 2, 7, 13, 1, 3, 3, 2, 2),
                            geometry(3, 1, 9, 9, 1, 3, 9, 2, 1)};
  for (const auto& kernel_rows : kernels_and_rows()) {
    const std::string& kernel = kernel_rows.first;  // not a structured binding: CAPTURE's lambda takes it
    const bool rows = kernel_rows.second;
    CAPTURE(kernel);
    gemm_force_kernel(kernel.c_str());
    CHECK(kernels::col2im_rows_fits(geoms[6]) == rows);  // 31 wide: 16 even pixels, one full register
    CHECK(kernels::col2im_rows_fits(geoms[9]) == rows);  // 32 wide: 16 odd ones too
    CHECK_FALSE(kernels::col2im_rows_fits(geoms[7]));     // 33 wide: col2im_phases
    CHECK_FALSE(kernels::col2im_rows_fits(geoms[2]));     // stride 3
    CHECK_FALSE(kernels::col2im_rows_fits(geoms[12]));    // 9 filter columns
    CHECK_THROWS_WITH_AS(kernels::col2im_rows(nullptr, geoms[7], 0, 1, nullptr), doctest::Contains("width 33"),
                         std::invalid_argument);
    if (!rows)
      CHECK_THROWS_WITH_AS(kernels::col2im_rows(nullptr, geoms[6], 0, 1, nullptr),
                           doctest::Contains("set AET_GEMM_KERNEL=avx512"), std::invalid_argument);
  }
  gemm_force_kernel("auto");
  const kernels::Col2imEnds ends[] = {{}, {true, nullptr, false}, {true, nullptr, true}};
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (const ConvGeom& g : geoms) {
      CAPTURE(threads);
      INFO(describe(g));
      const int n0 = 1, G = 2;
      const size_t HW = size_t(g.H) * g.W, cols = size_t(g.C) * g.R * g.S * G * g.P * g.Q;
      Rng rng(61);
      Tensor col = uniform_with_negative_zeros({int(cols)}, rng, 11);
      Tensor start = uniform_with_negative_zeros({g.N, g.C, g.H, g.W}, rng, 13);
      Tensor bias = uniform_with_negative_zeros({g.C}, rng, 2);  // bias[0] = −0
      for (kernels::Col2imEnds e : ends)
        for (bool with_bias : {false, true}) {
          if (!e.overwrite && with_bias) continue;  // the bias is where a plane starts over
          e.bias = with_bias ? bias.data() : nullptr;
          CAPTURE(e.overwrite);
          CAPTURE(e.relu);
          CAPTURE(with_bias);
          // The expected planes: col2im (the plain twin) after the start, then the ReLU.
          std::vector<float> expect = start.to_vector();
          if (e.overwrite)
            for (int i = n0; i < n0 + G; ++i)
              for (int c = 0; c < g.C; ++c)
                std::fill_n(expect.begin() + (size_t(i) * g.C + c) * HW, HW, with_bias ? bias.data()[c] : 0.0f);
          kernels::col2im(col.data(), g, n0, G, expect.data());
          if (e.relu)
            for (size_t j = size_t(n0) * g.C * HW; j < size_t(n0 + G) * g.C * HW; ++j) expect[j] = relu_of(expect[j]);
          std::vector<float> before = start.to_vector();  // starting over, the old contents must not leak in
          if (e.overwrite)
            std::fill(before.begin() + size_t(n0) * g.C * HW, before.begin() + size_t(n0 + G) * g.C * HW, std::nanf(""));
          if (g.stride > 1) {
            std::vector<float> got = before;
            kernels::col2im_phases(col.data(), g, n0, G, got.data(), e);
            CHECK(same_bits(got, expect));  // the other images untouched
          }
          for (const auto& kernel_rows : kernels_and_rows()) {
            const std::string& kernel = kernel_rows.first;  // not a structured binding: CAPTURE's lambda takes it
            const bool rows = kernel_rows.second;
            CAPTURE(kernel);
            gemm_force_kernel(kernel.c_str());
            CHECK(kernels::conv_rows_available() == rows);
            if (!kernels::col2im_rows_fits(g)) continue;
            std::vector<float> got = before;
            kernels::col2im_rows(col.data(), g, n0, G, got.data(), e);
            CHECK(same_bits(got, expect));
          }
          gemm_force_kernel("auto");
        }
    }
  }
  set_num_threads(saved);
}

// im2col_rows (stride 2, 3-wide filters, at most 15 output columns; the avx512 kernel)
// gathers the same values as im2col, to the bit: the image's pixels (−0 included), +0 in
// the padding, and with a mask dY · [y > 0], which must equal relu_mask_row's output
// lowered by im2col (the mask holds −0, negatives and a NaN, which all read as 0). Padding 0 to 2, kernels 1 to
// 5 (those other than 3 refused), odd sides, 15 and 16 output columns (the edge of the
// three-taps-from-one-load path), a chunk of images 1 and 2 of 3 or 4, at 1 and 2 threads.
TEST_CASE("conv kernels: im2col_rows gives im2col's values, with and without the ReLU mask, 1 and 2 threads") {
  const int saved = num_threads();
  const ConvGeom geoms[] = {geometry(3, 2, 5, 5, 1, 3, 3, 2, 1),    geometry(3, 3, 9, 12, 1, 3, 5, 2, 2),
                            geometry(3, 2, 8, 7, 1, 1, 1, 2, 0),    geometry(4, 2, 11, 10, 1, 4, 4, 2, 2),
                            geometry(3, 32, 28, 28, 1, 3, 3, 2, 1), geometry(3, 2, 32, 31, 1, 3, 3, 2, 1),
                            geometry(3, 1, 3, 3, 1, 3, 3, 2, 0),    geometry(3, 2, 7, 33, 1, 3, 3, 2, 1),
                            geometry(4, 2, 6, 32, 1, 3, 3, 2, 1),   geometry(4, 2, 7, 29, 1, 3, 3, 2, 1),
                            geometry(4, 2, 9, 30, 1, 3, 3, 2, 1),   geometry(4, 2, 8, 13, 1, 3, 3, 2, 2)};
  for (const auto& kernel_rows : kernels_and_rows()) {
    const std::string& kernel = kernel_rows.first;  // not a structured binding: CAPTURE's lambda takes it
    const bool rows = kernel_rows.second;
    CAPTURE(kernel);
    gemm_force_kernel(kernel.c_str());
    CHECK(kernels::im2col_rows_fits(geoms[9]) == rows);  // 15 output columns
    CHECK_FALSE(kernels::im2col_rows_fits(geoms[5]));     // 16: im2col
    CHECK_FALSE(kernels::im2col_rows_fits(geoms[1]));     // 5-wide filters: im2col
    CHECK_FALSE(kernels::im2col_rows_fits(geometry(1, 1, 9, 9, 1, 3, 3, 1, 1)));  // stride 1
    CHECK_THROWS_WITH_AS(kernels::im2col_rows(nullptr, geoms[7], 0, 1, nullptr),
                         doctest::Contains("17 output columns"), std::invalid_argument);
  }
  gemm_force_kernel("auto");
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (const ConvGeom& g : geoms) {
      CAPTURE(threads);
      INFO(describe(g));
      const int n0 = 1, G = 2;
      const size_t cols = size_t(g.C) * g.R * g.S * G * g.P * g.Q;
      Rng rng(67);
      Tensor img = uniform_with_negative_zeros({g.N, g.C, g.H, g.W}, rng, 5);
      Tensor y = uniform_with_negative_zeros({g.N, g.C, g.H, g.W}, rng, 3);
      for (size_t j = 1; j < y.size(); j += 7) y.data()[j] = 0.0f;
      y.data()[y.size() / 2] = std::nanf("");
      std::vector<float> masked_img(img.size());  // the fused ReLU's dY · [y > 0], written out
      kernels::relu_mask_row(masked_img.data(), img.data(), y.data(), img.size());
      for (bool masked : {false, true}) {
        CAPTURE(masked);
        std::vector<float> plain(cols, -7.0f);
        kernels::im2col(masked ? masked_img.data() : img.data(), g, n0, G, plain.data());
        if (masked) {  // the plain im2col's own mask gives the same
          std::vector<float> plain_masked(cols, 7.0f);
          kernels::im2col(img.data(), g, n0, G, plain_masked.data(), y.data());
          CHECK(same_bits(plain_masked, plain));
        }
        for (const auto& kernel_rows : kernels_and_rows()) {
          const std::string& kernel = kernel_rows.first;  // not a structured binding: CAPTURE's lambda takes it
          CAPTURE(kernel);
          gemm_force_kernel(kernel.c_str());
          if (!kernels::im2col_rows_fits(g)) continue;
          std::vector<float> fast(cols, 7.0f);  // every entry must be written
          kernels::im2col_rows(img.data(), g, n0, G, fast.data(), masked ? y.data() : nullptr);
          CHECK(same_bits(fast, plain));
        }
        gemm_force_kernel("auto");
      }
    }
  }
  set_num_threads(saved);
}

// conv2d's and conv_transpose2d's backwards write dx without reading it the first time
// (grad_for_write); a second backward must add to it: twice the gradient (up to rounding:
// the second pass adds each term to the running sum, not the first pass's total).
TEST_CASE("conv kernels: a second conv2d or conv_transpose2d backward adds to dx") {
  const ConvGeom g = geometry(3, 4, 9, 8, 6, 3, 3, 2, 1);
  for (bool transpose : {false, true}) {
    CAPTURE(transpose);
    Rng rng(62);
    Tensor x = Tensor::uniform(transpose ? Shape{g.N, g.K, g.P, g.Q} : Shape{g.N, g.C, g.H, g.W}, rng, -1, 1, true);
    Tensor w = Tensor::uniform({g.K, g.C, g.R, g.S}, rng, -1, 1, true);
    Tensor b = Tensor::uniform({transpose ? g.C : g.K}, rng, -1, 1, true);
    Tensor y = transpose ? kernels::conv_transpose2d_forward(x, w, b, g) : kernels::conv2d_forward(x, w, b, g);
    Tensor dy = Tensor::uniform(y.shape(), rng, -1, 1);
    std::memcpy(y.grad(), dy.data(), dy.size() * sizeof(float));
    auto backward_once = [&] {
      if (transpose)
        kernels::conv_transpose2d_backward(x, w, b, y, g);
      else
        kernels::conv2d_backward(x, w, b, y, g);
    };
    backward_once();
    const std::vector<float> once(x.grad(), x.grad() + x.size());
    backward_once();
    int bad = 0;
    for (size_t i = 0; i < once.size(); ++i) bad += std::fabs(x.grad()[i] - 2 * once[i]) > 1e-5f * (1 + std::fabs(once[i]));
    CHECK(bad == 0);
    CHECK(std::any_of(once.begin(), once.end(), [](float v) { return std::fabs(v) > 0.1f; }));
  }
}

// The stencil path (conv_stencil.cpp, stride 1): the same comparison, called directly so
// that it also runs on geometries conv2d would send to im2col (7 and 8 filters). Awkward
// sizes: 1x1 images, odd and non-square images and kernels, padding 0 and 2 (wider than a
// 3x3 kernel's 1), 1 to 8 filters, and the decoder's last layer on 5 images (two threads
// each take whole images). The backward runs twice, so that the second adds to the first.
static Result run_stencil(const ConvGeom& g, bool stencil, uint64_t seed, bool relu = false) {
  Rng rng(seed);
  Tensor x = Tensor::uniform({g.N, g.C, g.H, g.W}, rng, -1, 1, true);
  Tensor w = Tensor::uniform({g.K, g.C, g.R, g.S}, rng, -1, 1, true);
  Tensor b = Tensor::uniform({g.K}, rng, -1, 1, true);
  Tensor y = stencil ? kernels::conv2d_forward_stencil(x, w, b, g, relu) : kernels::conv2d_forward_direct(x, w, b, g);
  if (relu && !stencil) relu_by_hand(y);
  Tensor dy = Tensor::uniform(y.shape(), rng, -1, 1);
  std::memcpy(y.grad(), dy.data(), dy.size() * sizeof(float));
  if (relu && !stencil) mask_grad_by_hand(y);
  for (int twice = 0; twice < 2; ++twice)
    if (stencil)
      kernels::conv2d_backward_stencil(x, w, b, y, g, relu);
    else
      kernels::conv2d_backward_direct(x, w, b, y, g);
  auto grad = [](Tensor& t) { return std::vector<float>(t.grad(), t.grad() + t.size()); };
  return {y.to_vector(), grad(x), grad(w), grad(b)};
}

static const ConvGeom kStencilAwkward[] = {
    geometry(1, 1, 1, 1, 1, 1, 1, 1, 0),   geometry(3, 3, 9, 11, 7, 3, 5, 1, 1),
    geometry(2, 5, 7, 13, 1, 3, 3, 1, 1),  geometry(3, 4, 9, 6, 3, 5, 3, 1, 2),
    geometry(2, 3, 8, 9, 2, 3, 3, 1, 0),   geometry(2, 16, 17, 9, 8, 3, 3, 1, 1),
    geometry(5, 32, 28, 28, 1, 3, 3, 1, 1),
    // rows of 5·8 = 40 and 3·9 = 27 outputs: the last one or two whole vectors of a block,
    // an 8-float step and single floats in every copy of the sums
    geometry(2, 3, 5, 6, 2, 3, 3, 1, 1),    geometry(2, 2, 3, 7, 1, 3, 3, 1, 1),
};

TEST_CASE("conv kernels: the stencil path equals the direct loops on awkward sizes, 1 and 2 threads") {
  const int saved = num_threads();
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (bool relu : {false, true})  // with relu: the fused conv2d_relu's stencil path
      for (const ConvGeom& g : kStencilAwkward) {
        CAPTURE(threads);
        CAPTURE(relu);
        INFO(describe(g));
        check_close(run_stencil(g, true, 41, relu), run_stencil(g, false, 41, relu));
      }
  }
  set_num_threads(saved);
}

// The stencil's sums (stencil_sums.cpp) have a copy per instruction set, chosen by the GEMM
// kernel: 16-float registers (avx512), 8-float ones (avx2), generic vectors (portable). None
// fuses a multiply and an add, and each adds the same products in the same order, so all
// must agree to the bit, on every awkward size (tails of every length) and with the ReLU.
TEST_CASE("conv kernels: the stencil's AVX-512, AVX2 and plain copies give the same bits") {
  std::vector<std::string> fast_kernels;  // beside the plain copy, which the portable kernel runs
#if defined(__x86_64__)
  if (kernels::cpu_has_avx2_fma()) fast_kernels.push_back("avx2");
  if (kernels::cpu_has_avx512()) fast_kernels.push_back("avx512");
#endif
  gemm_force_kernel("portable");
  CHECK(std::string(kernels::stencil_sums_copy()) == "plain");
  for (bool relu : {false, true})
    for (const ConvGeom& g : kStencilAwkward) {
      if (fast_kernels.empty()) break;  // only the plain copy runs on this CPU
      gemm_force_kernel("portable");
      const Result plain = run_stencil(g, true, 17, relu);
      for (const std::string& kernel : fast_kernels) {
        CAPTURE(kernel);
        CAPTURE(relu);
        INFO(describe(g));
        gemm_force_kernel(kernel.c_str());
        CHECK(std::string(kernels::stencil_sums_copy()) == kernel);
        const Result fast = run_stencil(g, true, 17, relu);
        CHECK(fast.y == plain.y);
        CHECK(fast.dx == plain.dx);
        CHECK(fast.dw == plain.dw);
        CHECK(fast.db == plain.db);
      }
    }
  gemm_force_kernel("auto");  // back to the CPU's choice (or AET_GEMM_KERNEL's)
}

TEST_CASE("conv kernels: the stencil path is bit-identical on 1 and 2 threads and conv2d takes it for few filters") {
  const int saved = num_threads();
  for (const ConvGeom& g : {kStencilAwkward[6], kStencilAwkward[5]}) {
    set_num_threads(1);
    const Result one = run_stencil(g, true, 6);
    set_num_threads(2);
    const Result two = run_stencil(g, true, 6);
    CHECK(one.y == two.y);
    CHECK(one.dx == two.dx);
    CHECK(one.dw == two.dw);
    CHECK(one.db == two.db);
  }
  set_num_threads(saved);
  CHECK(kernels::conv_use_stencil(kStencilAwkward[6]));          // the decoder's 32 -> 1 layer
  CHECK_FALSE(kernels::conv_use_stencil(kStencilAwkward[5]));    // 8 filters: im2col + gemm
  CHECK_FALSE(kernels::conv_use_stencil(geometry(2, 1, 28, 28, 1, 3, 3, 2, 1)));  // stride 2
  // conv2d_forward / conv2d_backward hand the decoder's layer to the stencil kernels.
  const Result through_conv2d = run(kStencilAwkward[6], false, true, 8);
  CHECK(through_conv2d.y == run_stencil(kStencilAwkward[6], true, 8).y);
}

// ---- the fused ReLU (conv2d_relu, conv_transpose2d_relu) ---------------------------------

// The smallest |pre-activation| of relu(f(inputs)): the central difference of a ReLU is exact
// only for outputs farther than a step's effect from the kink at 0.
static float nearest_to_kink(const std::vector<float>& pre) {
  float m = INFINITY;
  for (float v : pre) m = std::min(m, std::fabs(v));
  return m;
}

TEST_CASE("conv2d_relu, conv_transpose2d_relu: gradient check, stride 1 and 2, padding 0 and 1") {
  // A step of h = 1e-2 in one input moves a pre-activation by at most 1e-2 (|x|, |w| <= 1),
  // so inputs are drawn until every pre-activation is farther than 0.02 from the kink: then
  // the central difference never straddles it. Both signs occur, so the mask is exercised.
  Rng rng(23);
  int configs = 0;
  for (bool transpose : {false, true})
    for (int stride : {1, 2})
      for (int pad : {0, 1}) {
        CAPTURE(transpose);
        CAPTURE(stride);
        CAPTURE(pad);
        const int k = 3, C = 2, K = 3, op = stride == 2 && transpose ? 1 : 0;
        auto plain = [=](Inputs& in) {
          return transpose ? conv_transpose2d(in[0], in[1], in[2], stride, pad, op) : conv2d(in[0], in[1], in[2], stride, pad);
        };
        auto fused = [=](Inputs& in) {
          return transpose ? conv_transpose2d_relu(in[0], in[1], in[2], stride, pad, op)
                           : conv2d_relu(in[0], in[1], in[2], stride, pad);
        };
        Inputs in;
        std::vector<float> pre;
        for (int tries = 0; tries < 200; ++tries) {
          in = {rand_param(transpose ? Shape{1, C, 2, 3} : Shape{2, C, 5, 6}, rng),
                rand_param(transpose ? Shape{C, K, k, k} : Shape{K, C, k, k}, rng), rand_param({K}, rng)};
          pre = plain(in).to_vector();
          if (nearest_to_kink(pre) > 0.02f) break;
        }
        REQUIRE(nearest_to_kink(pre) > 0.02f);
        CHECK(std::count_if(pre.begin(), pre.end(), [](float u) { return u < 0; }) > 0);  // some units are off
        CHECK(std::count_if(pre.begin(), pre.end(), [](float u) { return u > 0; }) > 0);
        gradcheck(transpose ? "conv_transpose2d_relu" : "conv2d_relu", fused, in);
        ++configs;
      }
  CHECK(configs == 8);
}

// The fused ops against the two ops a reader would write, through the tape: the same bits
// in the output and in every gradient, on 1 and 2 threads, on geometries that take each
// path: im2col in two chunks, the transpose in two chunks, and the stencil (one filter).
TEST_CASE("conv2d_relu, conv_transpose2d_relu: the same bits as relu(conv) in value and every gradient") {
  struct Case { bool transpose; Shape x, w; int stride, pad, output_padding; };
  const Case cases[] = {
      {false, {9, 16, 32, 32}, {8, 16, 3, 3}, 1, 1, 0},   // im2col, two chunks
      {false, {5, 32, 28, 28}, {1, 32, 3, 3}, 1, 1, 0},   // the stencil
      {false, {3, 3, 9, 11}, {7, 3, 3, 3}, 2, 1, 0},      // stride 2, odd sizes
      {true, {9, 64, 14, 14}, {64, 32, 3, 3}, 2, 1, 1},   // the decoder's up2, two chunks
      {true, {2, 3, 5, 4}, {3, 2, 3, 3}, 2, 0, 1},
  };
  const int saved = num_threads();
  for (const Case& c : cases)
    for (int threads : {1, 2}) {
      CAPTURE(c.transpose);
      CAPTURE(c.x[1]);
      CAPTURE(threads);
      set_num_threads(threads);
      Rng rng(31);
      Tensor x = Tensor::uniform(c.x, rng, -1, 1, true), w = Tensor::uniform(c.w, rng, -1, 1, true);
      Tensor b = Tensor::uniform({c.transpose ? c.w[1] : c.w[0]}, rng, -1, 1, true);
      Tensor x2 = x.clone(), w2 = w.clone(), b2 = b.clone();
      for (Tensor* t : {&x2, &w2, &b2}) t->set_requires_grad(true);
      auto conv = [&](const Tensor& a, const Tensor& v, const Tensor& u, bool fused) {
        if (c.transpose)
          return fused ? conv_transpose2d_relu(a, v, u, c.stride, c.pad, c.output_padding)
                       : relu(conv_transpose2d(a, v, u, c.stride, c.pad, c.output_padding));
        return fused ? conv2d_relu(a, v, u, c.stride, c.pad) : relu(conv2d(a, v, u, c.stride, c.pad));
      };
      Tensor fused = conv(x, w, b, true);
      Tensor wts = Tensor::uniform(fused.shape(), rng, -1, 1);
      Tensor l1 = sum(mul(fused, wts));
      backward(l1);  // (backward clears the whole tape: one path at a time)
      Tensor plain = conv(x2, w2, b2, false);
      Tensor l2 = sum(mul(plain, wts));
      backward(l2);
      CHECK(fused.to_vector() == plain.to_vector());
      auto grad = [](Tensor& t) { return std::vector<float>(t.grad(), t.grad() + t.size()); };
      CHECK(grad(x) == grad(x2));
      CHECK(grad(w) == grad(w2));
      CHECK(grad(b) == grad(b2));
    }
  set_num_threads(saved);
}

TEST_CASE("conv kernels: the scratch buffers stay bounded and are reused") {
  // The encoder's first two layers on a 128-image batch: the whole batch's columns would be
  // 128·288·49 = 1.8M floats for the second layer; chunks of G images keep each buffer under
  // kConvScratchFloats.
  Rng rng(3);
  Tensor x = Tensor::uniform({128, 1, 28, 28}, rng, 0, 1);
  Tensor w1 = Tensor::uniform({32, 1, 3, 3}, rng, -1, 1, true), b1 = Tensor::zeros({32}, true);
  Tensor w2 = Tensor::uniform({64, 32, 3, 3}, rng, -1, 1, true), b2 = Tensor::zeros({64}, true);
  auto step = [&] {
    Tensor h = conv2d(conv2d(x, w1, b1, 2, 1), w2, b2, 2, 1);
    Tensor loss = sum(h);
    backward(loss);
  };
  // On a thread of its own: the buffers are per thread and only grow, and earlier tests on
  // this one may have grown them for a single image larger than the bound.
  // An exception (a coursework stub's "not done yet") is carried back to this thread, where
  // doctest reports it, instead of ending the whole run.
  size_t after_first = 0, after_second = 0;
  std::exception_ptr error;
  std::thread([&] {
    try {
      step();
      after_first = kernels::conv_scratch_floats();
      step();
      after_second = kernels::conv_scratch_floats();
    } catch (...) {
      error = std::current_exception();
    }
  }).join();
  if (error) std::rethrow_exception(error);
  CHECK(after_first <= 2 * kernels::kConvScratchFloats);
  CHECK(after_second == after_first);
}

// ---- every error a user can reach ---------------------------------------------------------

TEST_CASE("conv2d: shape, stride and padding errors name the op and the shapes") {
  Tensor x = Tensor::zeros({128, 1, 28, 28});
  CHECK_THROWS_WITH_AS(conv2d(x, Tensor::zeros({32, 3, 3, 3}), Tensor()),
                       "conv2d: input (128,1,28,28) has 1 channel, weight (32,3,3,3) expects 3",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv2d(Tensor::zeros({2, 3, 5, 5}), Tensor::zeros({4, 1, 3, 3}), Tensor()),
                       "conv2d: input (2,3,5,5) has 3 channels, weight (4,1,3,3) expects 1", std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv2d(Tensor::zeros({128, 784}), Tensor::zeros({32, 1, 3, 3}), Tensor()),
                       "conv2d: input must be 4-d (N,C,H,W), got (128,784)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv2d(x, Tensor::zeros({32, 9}), Tensor()),
                       "conv2d: weight must be 4-d (K,C,R,S), got (32,9)", std::invalid_argument);
  const Tensor w = Tensor::zeros({32, 1, 3, 3});
  CHECK_THROWS_WITH_AS(conv2d(x, w, Tensor::zeros({31})),
                       "conv2d: bias has shape (31), expected (32) or (1,32) to match weight (32,1,3,3)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv2d(x, w, Tensor::zeros({32, 1})),
                       "conv2d: bias has shape (32,1), expected (32) or (1,32) to match weight (32,1,3,3)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv2d(x, w, Tensor(), 0), "conv2d: stride must be >= 1, got 0", std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv2d(x, w, Tensor(), 1, -1), "conv2d: padding must be >= 0, got -1", std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv2d(Tensor::zeros({1, 1, 2, 5}), w, Tensor()),
                       "conv2d: input (1,1,2,5) is 2x5 with padding 0, smaller than the 3x3 kernel of weight (32,1,3,3)",
                       std::invalid_argument);
  CHECK_NOTHROW(conv2d(Tensor::zeros({1, 1, 2, 5}), w, Tensor(), 1, 1));  // padded to 4x7
}

TEST_CASE("conv_transpose2d: shape, stride and padding errors name the op and the shapes") {
  Tensor x = Tensor::zeros({8, 64, 7, 7});
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, Tensor::zeros({32, 64, 3, 3}), Tensor()),
                       "conv_transpose2d: input (8,64,7,7) has 64 channels, weight (32,64,3,3) expects 32 "
                       "(its first dimension, C_in)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv_transpose2d(Tensor::zeros({8, 3136}), Tensor::zeros({64, 32, 3, 3}), Tensor()),
                       "conv_transpose2d: input must be 4-d (N,C_in,H,W), got (8,3136)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, Tensor::zeros({64, 32, 9}), Tensor()),
                       "conv_transpose2d: weight must be 4-d (C_in,C_out,R,S), got (64,32,9)",
                       std::invalid_argument);
  const Tensor w = Tensor::zeros({64, 32, 3, 3});
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, Tensor::zeros({64})),
                       "conv_transpose2d: bias has shape (64), expected (32) or (1,32) to match weight (64,32,3,3)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, Tensor(), 0), "conv_transpose2d: stride must be >= 1, got 0",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, Tensor(), 2, -1), "conv_transpose2d: padding must be >= 0, got -1",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, Tensor(), 2, 1, 2),
                       "conv_transpose2d: output_padding must be >= 0 and smaller than the stride 2, got 2",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, Tensor(), 1, 0, -1),
                       "conv_transpose2d: output_padding must be >= 0 and smaller than the stride 1, got -1",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv_transpose2d(Tensor::zeros({1, 64, 1, 1}), w, Tensor(), 1, 2),
                       "conv_transpose2d: input (1,64,1,1) with stride 1, padding 2 and a 3x3 kernel gives an "
                       "empty -1x-1 output; lower the padding",
                       std::invalid_argument);
  CHECK(conv_transpose2d(x, w, Tensor(), 2, 1, 1).shape() == Shape{8, 32, 14, 14});  // the decoder's upsampling
}

// ---- the layers ------------------------------------------------------------------------

// max |v| and the mean of a tensor's values
static std::pair<float, double> extent(const Tensor& t) {
  float m = 0.0f;
  double s = 0.0;
  for (float v : t.values()) m = std::max(m, std::fabs(v)), s += v;
  return {m, s / double(t.size())};
}

TEST_CASE("Conv2d: shapes, parameter names, PyTorch's U(±1/√(in·k·k)) init, input error naming the layer") {
  Rng rng(1);
  Conv2d c(32, 64, 3, rng, 2, 1);
  CHECK(c.describe() == "Conv2d(32→64, 3x3, stride 2, padding 1)");
  const ParamList p = c.parameters();
  REQUIRE(p.size() == 2);
  CHECK(p[0].name == "weight");
  CHECK(p[0].tensor.shape() == Shape{64, 32, 3, 3});
  CHECK(p[1].name == "bias");
  CHECK(p[1].tensor.shape() == Shape{64});
  const float bound = 1.0f / std::sqrt(288.0f);  // fan_in = 32·3·3
  for (const Tensor& t : {c.W, c.b}) {
    const auto [m, mean] = extent(t);
    CHECK(m <= bound);
    CHECK(m > 0.9f * bound);  // 18432 and 64 uniform draws reach near the edge
    CHECK(std::fabs(mean) < 0.1 * bound);
  }
  CHECK(c(Tensor::zeros({5, 32, 14, 14})).shape() == Shape{5, 64, 7, 7});
  CHECK(Conv2d(1, 4, 5, rng, 1, 0, false).parameters().size() == 1);

  Conv2d first(1, 32, 3, rng, 2);
  CHECK_THROWS_WITH_AS(first(Tensor::zeros({128, 784})),
                       "Conv2d(1→32, 3x3, stride 2): input has shape (128,784), expected (N,1,H,W); reshape a "
                       "batch of flat rows to (N,C,H,W) first",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(first(Tensor::zeros({128, 3, 28, 28})),
                       "Conv2d(1→32, 3x3, stride 2): input has shape (128,3,28,28), expected (N,1,H,W)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Conv2d(1, 32, 0, rng),
                       "Conv2d: channels, kernel and stride must be >= 1 and padding >= 0, got in=1 out=32 kernel=0 "
                       "stride=1 padding=0",
                       std::invalid_argument);
}

TEST_CASE("ConvTranspose2d: shapes, names, fan_in from the weight's dimension 1 (out·k·k), errors") {
  Rng rng(2);
  ConvTranspose2d d(64, 32, 3, rng, 2, 1, 1);
  CHECK(d.describe() == "ConvTranspose2d(64→32, 3x3, stride 2, padding 1, output_padding 1)");
  const ParamList p = d.parameters();
  REQUIRE(p.size() == 2);
  CHECK(p[0].name == "weight");
  CHECK(p[0].tensor.shape() == Shape{64, 32, 3, 3});
  CHECK(p[1].name == "bias");
  CHECK(p[1].tensor.shape() == Shape{32});
  // PyTorch's fan_in is W.size(1)·k·k = 32·9 = 288, not in·k·k = 576: the draws must
  // reach past 1/√576 = 0.042 towards 1/√288 = 0.059.
  const float bound = 1.0f / std::sqrt(288.0f);
  for (const Tensor& t : {d.W, d.b}) {
    const auto [m, mean] = extent(t);
    CHECK(m <= bound);
    CHECK(m > 0.9f * bound);
    CHECK(std::fabs(mean) < 0.15 * bound);
  }
  CHECK(d(Tensor::zeros({2, 64, 7, 7})).shape() == Shape{2, 32, 14, 14});
  CHECK_THROWS_WITH_AS(d(Tensor::zeros({2, 32, 7, 7})),
                       "ConvTranspose2d(64→32, 3x3, stride 2, padding 1, output_padding 1): input has shape "
                       "(2,32,7,7), expected (N,64,H,W)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(ConvTranspose2d(64, 32, 3, rng, 2, 1, 2),
                       "ConvTranspose2d: output_padding must be >= 0 and smaller than the stride 2, got 2",
                       std::invalid_argument);
}

// ---- the model ---------------------------------------------------------------------------

TEST_CASE("the conv autoencoder learns tiny images: trained on BCE, its test MSE falls by at least 3x") {
  Rng rng(2);
  // 8x8 images (the smallest make_tiny_images draws: 8 → 4 → 2 in the encoder) keep this
  // under about a second; the run reaches a 4.7x fall.
  Dataset train = make_tiny_images(1024, 8, rng), test = make_tiny_images(256, 8, rng);
  ConvAutoencoder ae(8, 8, rng);
  Adam adam(ae.parameters(), {.lr = 3e-3f});
  auto test_mse = [&] {
    NoGrad no_grad;
    return ae.mse(test.images).item();
  };
  const float before = test_mse();
  BatchLoader loader(train, 64, true, rng);
  train_epochs(loader, adam, 4, [&](const Batch& batch) { return ae.loss(batch.x); });
  const float after = test_mse();
  MESSAGE("conv AE test MSE " << before << " -> " << after);
  CHECK(after < before / 3.0f);
  CHECK(ae.parameters().size() == 14);
  CHECK(ae.parameters()[0].name == "encoder.conv1.weight");
  CHECK_THROWS_WITH_AS(ae.loss(Tensor::zeros({2, 100})),
                       "ConvAutoencoder: input has shape (2,100), but the model was built for (N,64) rows of "
                       "8x8 images",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(ConvAutoencoder(30, 8, rng),
                       "ConvAutoencoder: the image side must be a positive multiple of 4 (two stride-2 layers "
                       "halve it twice), got 30",
                       std::invalid_argument);
}

TEST_CASE("the conv autoencoder's options add a hidden layer on each side of z and a refine conv, and it still learns") {
  Rng rng(2);
  Dataset train = make_tiny_images(1024, 8, rng), test = make_tiny_images(256, 8, rng);
  ConvAutoencoder ae(8, 8, rng, {.hidden = 16, .refine = true});
  const ParamList params = ae.parameters();
  REQUIRE(params.size() == 20);  // the 14 of Keras's recipe, two hidden layers and the refine conv
  CHECK(params[4].name == "encoder.hidden.weight");
  CHECK(params[4].tensor.shape() == Shape{256, 16});  // 64·(8/4)² features → 16
  CHECK(params[8].name == "decoder.hidden.weight");
  CHECK(params[14].name == "decoder.refine.weight");
  CHECK(params[14].tensor.shape() == Shape{64, 64, 3, 3});
  {
    NoGrad no_grad;
    CHECK(ae.encode(test.images).shape() == Shape{256, 8});
    CHECK(ae.decode_logits(ae.encode(test.images)).shape() == Shape{256, 64});
  }
  auto test_mse = [&] {
    NoGrad no_grad;
    return ae.mse(test.images).item();
  };
  const float before = test_mse();
  Adam adam(params, {.lr = 3e-3f});
  BatchLoader loader(train, 64, true, rng);
  train_epochs(loader, adam, 6, [&](const Batch& batch) { return ae.loss(batch.x); });
  const float after = test_mse();
  MESSAGE("conv AE with hidden 16 and refine: test MSE " << before << " -> " << after);
  CHECK(after < before / 3.0f);
  CHECK_THROWS_WITH_AS(ConvAutoencoder(8, 8, rng, {.hidden = -1}),
                       "ConvAutoencoder: hidden width must be >= 0 (0: no hidden layer), got -1",
                       std::invalid_argument);
}
