// test_fast_paths.cpp — every fast kernel and fused path against its plain reference, on
// awkward sizes (a tail after the blocks of 8, a single element, a Fashion-MNIST row).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "autograd/kernels/flush_denormals.h"
#include "autograd/gemm.h"
#include "autograd/kernels/cpu_features.h"
#include "autograd/kernels/grad_write.h"
#include "autograd/kernels/linear.h"
#include "autograd/kernels/sigmoid_bce.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "autograd/thread_pool.h"
#include "models/autoencoder.h"
#include "models/vae.h"
#include "nn/optim.h"

using namespace aet;

#if defined(__x86_64__)  // the AVX2 kernels exist only in x86-64 builds
TEST_CASE("bce_logits_avx2 matches bce_logits_plain") {
  if (!kernels::cpu_has_avx2_fma()) return;  // the fast path is then the plain one
  Rng rng(11);
  for (size_t n : {1, 7, 8, 9, 33, 784, 1000}) {
    std::vector<float> L(n), T(n), d_plain(n), d_fast(n);
    for (size_t i = 0; i < n; ++i) {
      // Logits over the whole useful range and beyond (|l| > 87 takes the cap), targets
      // as Fashion-MNIST pixels: many exactly 0 or 1, the rest in between.
      L[i] = i % 5 == 0 ? rng.uniform(-120.0f, 120.0f) : rng.uniform(-12.0f, 12.0f);
      const float u = rng.uniform();
      T[i] = u < 0.3f ? 0.0f : u > 0.8f ? 1.0f : rng.uniform();
    }
    size_t bad_plain = 0, bad_fast = 0;
    const double s_plain = kernels::bce_logits_plain(L.data(), T.data(), d_plain.data(), n, &bad_plain);
    const double s_fast = kernels::bce_logits_avx2(L.data(), T.data(), d_fast.data(), n, &bad_fast);
    CAPTURE(n);
    // The sum of n losses, each within a few float ulps (~1e-7 relative) of libm's.
    CHECK(std::fabs(s_fast - s_plain) <= 1e-6 * (1.0 + std::fabs(s_plain)));
    CHECK(bad_plain == 0);
    CHECK(bad_fast == 0);
    for (size_t i = 0; i < n; ++i) {
      CAPTURE(i);
      CAPTURE(L[i]);
      CHECK(std::fabs(d_fast[i] - d_plain[i]) <= 1e-6f);  // σ(l) − t lies in [−1, 1]
    }
  }
}
#endif

TEST_CASE("bce_logits_fast counts targets outside [0,1] like the plain one") {
  std::vector<float> L(19, 0.5f), T(19, 0.5f), d(19);
  T[3] = -0.1f;
  T[10] = 1.5f;
  T[18] = std::nanf("");  // in the scalar tail
  size_t bad_plain = 0, bad_fast = 0;
  kernels::bce_logits_plain(L.data(), T.data(), d.data(), L.size(), &bad_plain);
  kernels::bce_logits_fast(L.data(), T.data(), d.data(), L.size(), &bad_fast);
  CHECK(bad_plain == 3);
  CHECK(bad_fast == 3);
}

// Gradients a backward writes first (kernels::grad_for_write) are overwritten, not cleared
// and added to; zero_grad() only marks them. These check that the bookkeeping gives the
// same numbers as always clearing.
TEST_CASE("grad_for_write: zero_grad, reuse of a tensor and repeated steps give += semantics") {
  Rng rng(5);
  Tensor x = Tensor::uniform({3, 4}, rng, -1.0f, 1.0f);
  Tensor W = Tensor::uniform({4, 5}, rng, -1.0f, 1.0f, true);
  Tensor b = Tensor::uniform({1, 5}, rng, -1.0f, 1.0f, true);
  auto step = [&] {  // W used twice: the second contribution must add to the first
    Tensor l = sum(add(linear_relu(x, W, b), linear(x, W, b)));
    backward(l);
  };
  step();
  const std::vector<float> dW1(W.grad(), W.grad() + W.size()), db1(b.grad(), b.grad() + b.size());
  step();  // no zero_grad: gradients accumulate to twice the first
  for (size_t i = 0; i < W.size(); ++i) CHECK(W.grad()[i] == doctest::Approx(2 * dW1[i]));
  for (size_t i = 0; i < b.size(); ++i) CHECK(b.grad()[i] == doctest::Approx(2 * db1[i]));
  W.zero_grad();
  b.zero_grad();
  CHECK(W.has_grad());
  CHECK(W.grad()[0] == 0.0f);  // reading after zero_grad sees zeros
  W.zero_grad();
  step();  // after zero_grad: exactly one step's gradient again
  for (size_t i = 0; i < W.size(); ++i) CHECK(W.grad()[i] == doctest::Approx(dW1[i]));
  for (size_t i = 0; i < b.size(); ++i) CHECK(b.grad()[i] == doctest::Approx(db1[i]));
}

// gemm_bias (the forward of linear and linear_relu) against gemm_naive followed by the
// epilogue, on awkward sizes, with one thread and with several (each applies the epilogue
// to its own slice, so slice edges must line up with the bias columns).
TEST_CASE("gemm_bias matches gemm_naive + bias (+ ReLU), threaded and not") {
  Rng rng(17);
  const int saved = num_threads();
  struct Size { int M, N, K; };
  for (Size s : {Size{1, 1, 1}, Size{7, 9, 33}, Size{9, 33, 7}, Size{128, 20, 400},
                 Size{128, 400, 20}, Size{33, 130, 257}, Size{200, 33, 300}}) {
    std::vector<float> A(size_t(s.M) * s.K), B(size_t(s.K) * s.N), bias(s.N);
    for (float& v : A) v = rng.uniform(-1.0f, 1.0f);
    for (float& v : B) v = rng.uniform(-1.0f, 1.0f);
    for (float& v : bias) v = rng.uniform(-1.0f, 1.0f);
    std::vector<float> ref(size_t(s.M) * s.N);
    gemm_naive(Layout::NN, s.M, s.N, s.K, A.data(), B.data(), ref.data(), false);
    for (int threads : {1, 3}) {
      set_num_threads(threads);
      for (bool with_bias : {true, false})
        for (bool relu : {true, false}) {
          std::vector<float> C(ref.size(), 123.0f);  // garbage: gemm_bias overwrites
          gemm_bias(s.M, s.N, s.K, A.data(), B.data(), with_bias ? bias.data() : nullptr, relu, C.data());
          CAPTURE(s.M); CAPTURE(s.N); CAPTURE(s.K); CAPTURE(threads); CAPTURE(with_bias); CAPTURE(relu);
          int bad = 0;
          for (int m = 0; m < s.M; ++m)
            for (int n = 0; n < s.N; ++n) {
              float want = ref[size_t(m) * s.N + n] + (with_bias ? bias[n] : 0.0f);
              if (relu) want = std::max(want, 0.0f);
              // float products over K <= 400 terms of size <= 1: within 1e-4 of the double sum
              bad += std::fabs(C[size_t(m) * s.N + n] - want) > 1e-4f * (1.0f + std::fabs(want));
            }
          CHECK(bad == 0);
        }
    }
  }
  set_num_threads(saved);
}

// The linear kernels (the forward and backward of linear and linear_relu) against their
// plain twins, on awkward sizes, with and without bias and ReLU, at 1 and 2 threads, into
// fresh gradients (the fast one overwrites them) and into gradients that already hold a
// contribution (both must add).
TEST_CASE("linear kernels match their plain twins (forward, backward, bias, ReLU, threads)") {
  Rng rng(23);
  const int saved = num_threads();
  struct Size { int N, D, H; };
  for (Size s : {Size{1, 1, 1}, Size{7, 9, 33}, Size{9, 33, 7}, Size{33, 17, 300}, Size{128, 40, 260}}) {
    for (int threads : {1, 2})
      for (bool relu : {false, true})
        for (bool with_bias : {true, false})
          for (bool preloaded : {false, true}) {
            CAPTURE(s.N); CAPTURE(s.D); CAPTURE(s.H); CAPTURE(threads); CAPTURE(relu); CAPTURE(with_bias);
            CAPTURE(preloaded);
            set_num_threads(threads);
            const Tensor X0 = Tensor::uniform({s.N, s.D}, rng, -1.0f, 1.0f);
            const Tensor W0 = Tensor::uniform({s.D, s.H}, rng, -1.0f, 1.0f);
            const Tensor b0 = Tensor::uniform({1, s.H}, rng, -0.5f, 0.5f);
            const Tensor dY = Tensor::uniform({s.N, s.H}, rng, -1.0f, 1.0f);
            const Tensor g0 = Tensor::uniform({s.D, s.H}, rng, -1.0f, 1.0f);  // an earlier dW
            auto run = [&](bool fast, std::vector<float>& y, std::vector<float>& dX, std::vector<float>& dW,
                           std::vector<float>& db) {
              Tensor X = X0.clone(), W = W0.clone(), b = with_bias ? b0.clone() : Tensor();
              X.set_requires_grad(true);
              W.set_requires_grad(true);
              if (with_bias) b.set_requires_grad(true);
              if (preloaded) std::copy(g0.data(), g0.data() + g0.size(), W.grad());
              Tensor Y = fast ? kernels::linear_forward(X, W, b, relu) : kernels::linear_forward_reference(X, W, b, relu);
              std::copy(dY.data(), dY.data() + dY.size(), Y.grad());
              if (fast) kernels::linear_backward(X, W, b, Y, relu);
              else kernels::linear_backward_reference(X, W, b, Y, relu);
              y = Y.to_vector();
              dX.assign(X.grad(), X.grad() + X.size());
              dW.assign(W.grad(), W.grad() + W.size());
              if (with_bias) db.assign(b.grad(), b.grad() + b.size());
            };
            std::vector<float> y1, dX1, dW1, db1, y2, dX2, dW2, db2;
            run(true, y1, dX1, dW1, db1);
            run(false, y2, dX2, dW2, db2);
            // float sums of at most 128 products of size <= 1 against double sums: 1e-4 relative
            auto close = [](const std::vector<float>& a, const std::vector<float>& b) {
              int bad = 0;
              for (size_t i = 0; i < a.size(); ++i) bad += std::fabs(a[i] - b[i]) > 1e-4f * (1.0f + std::fabs(b[i]));
              return a.size() == b.size() && bad == 0;
            };
            CHECK(close(y1, y2));
            CHECK(close(dX1, dX2));
            CHECK(close(dW1, dW2));
            CHECK(close(db1, db2));
          }
  }
  set_num_threads(saved);
}

#if defined(__x86_64__)  // the AVX2 kernels exist only in x86-64 builds
TEST_CASE("sigmoid_avx2 matches sigmoid_plain") {
  if (!kernels::cpu_has_avx2_fma()) return;  // the fast path is then the plain one
  Rng rng(13);
  for (size_t n : {1, 7, 8, 9, 33, 784, 1000}) {
    std::vector<float> X(n), y_plain(n), y_fast(n);
    for (size_t i = 0; i < n; ++i)  // the whole range, beyond ±87 (the cap) included
      X[i] = i % 5 == 0 ? rng.uniform(-120.0f, 120.0f) : rng.uniform(-12.0f, 12.0f);
    kernels::sigmoid_plain(X.data(), y_plain.data(), n);
    kernels::sigmoid_avx2(X.data(), y_fast.data(), n);
    CAPTURE(n);
    for (size_t i = 0; i < n; ++i) {
      CAPTURE(X[i]);
      // σ in (0,1): a few float ulps absolute, and relative for the tiny values of x << 0
      CHECK(std::fabs(y_fast[i] - y_plain[i]) <= 1e-6f * std::max(y_plain[i], 1e-30f) + 1e-7f);
    }
  }
}
#endif

// relu's two loops are kernels (rows.h); their plain twin is leaky_relu at slope 0, the
// generic element loops of ops_unary.cpp. Exact: both are a select (and one add) per element.
TEST_CASE("relu (rows.h kernels) equals leaky_relu at slope 0, forward and backward, on awkward sizes") {
  Rng rng(21);
  for (int n : {1, 7, 8, 9, 33, 784, 1000}) {
    CAPTURE(n);
    Tensor x = Tensor::uniform({1, n}, rng, -1, 1, true), x_plain = Tensor::zeros({1, n}, true);
    std::copy_n(x.data(), n, x_plain.data());
    x.data()[0] = 0.0f, x_plain.data()[0] = 0.0f;  // the kink: both give 0 and a zero gradient
    Tensor weights = Tensor::uniform({1, n}, rng, -1, 1);  // a random projection to a scalar
    Tensor y = relu(x), y_plain = leaky_relu(x_plain, 0.0f);
    for (int i = 0; i < n; ++i) CHECK(y.data()[i] == y_plain.data()[i]);
    Tensor l = add(sum(mul(y, weights)), sum(mul(y_plain, weights)));  // one tape, two leaves
    backward(l);
    for (int i = 0; i < n; ++i) CHECK(x.grad()[i] == x_plain.grad()[i]);
  }
}

// A diverged model must still show a NaN loss (training stops on it), so the fast paths
// propagate NaN like the plain ones, in the vector body and in the tail alike.
TEST_CASE("the fast paths propagate NaN and handle infinities like the plain ones") {
  const float nan = std::nanf(""), inf = std::numeric_limits<float>::infinity();
  for (size_t at : {size_t(3), size_t(17)}) {  // in a block of 8, and in the tail of 19
    std::vector<float> X(19, 0.5f), T(19, 0.5f), y_plain(19), y_fast(19), d(19);
    X[at] = nan;
    X[(at + 5) % 19] = inf;
    X[(at + 7) % 19] = -inf;
    kernels::sigmoid_plain(X.data(), y_plain.data(), X.size());
    kernels::sigmoid_fast(X.data(), y_fast.data(), X.size());
    CAPTURE(at);
    CHECK(std::isnan(y_fast[at]));
    for (size_t i = 0; i < X.size(); ++i)
      if (i != at) CHECK(y_fast[i] == doctest::Approx(y_plain[i]));
    X[(at + 5) % 19] = X[(at + 7) % 19] = 0.5f;  // BCE: one NaN logit makes the sum NaN
    size_t bad = 0;
    CHECK(std::isnan(kernels::bce_logits_fast(X.data(), T.data(), d.data(), X.size(), &bad)));
  }
}

TEST_CASE("FlushDenormals flushes inside its scope only") {
  volatile float tiny = 1e-30f, factor = 1e-10f;  // product 1e-40: a denormal
  const float before = tiny * factor;
  float inside = 0.0f;
  {
    FlushDenormals ftz;
    inside = tiny * factor;
  }
  const float after = tiny * factor;
#if defined(__SSE__) || defined(__x86_64__) || defined(__aarch64__)
  CHECK(inside == 0.0f);
#endif
  CHECK(before > 0.0f);  // the caller's own arithmetic keeps its denormals
  CHECK(after == before);
}

TEST_CASE("mse on a batch-sized tensor: the same value on 1 and 2 threads, equal to a plain double sum") {
  // 128x784 + a tail: 25 blocks of 4096, so the 2-thread path really splits the blocks.
  Rng rng(5);
  const Tensor p = Tensor::uniform({129, 784}, rng, 0.0f, 1.0f), t = Tensor::uniform({129, 784}, rng, 0.0f, 1.0f);
  double ref = 0.0;
  for (size_t i = 0; i < p.size(); ++i) ref += double(p.data()[i] - t.data()[i]) * (p.data()[i] - t.data()[i]);
  ref /= double(p.size());
  const int saved = num_threads();
  set_num_threads(1);
  const float one = mse(p, t).item();
  set_num_threads(2);
  const float two = mse(p, t).item();
  set_num_threads(saved);
  CHECK(one == two);
  CHECK(one == doctest::Approx(ref).epsilon(1e-6));
}

TEST_CASE("Rng::fill_normal gives the numbers and the state of n calls to normal(), on 1 and 2 threads") {
  const int saved = num_threads();
  for (int threads : {1, 2})
    for (size_t n : {size_t(0), size_t(1), size_t(2), size_t(7), size_t(2560), size_t(4097), size_t(131075)})
      for (int spare : {0, 1}) {  // start with or without a waiting second normal
        CAPTURE(threads);
        CAPTURE(n);
        CAPTURE(spare);
        set_num_threads(threads);
        Rng a(17), b(17);
        if (spare) a.normal(), b.normal();
        std::vector<float> want(n), got(n);
        for (float& x : want) x = 0.5f * a.normal();
        b.fill_normal(got.data(), n, 0.5f);
        CHECK(got == want);
        CHECK(a.normal() == b.normal());  // same spare and generator state afterwards
        CHECK(a.next_u64() == b.next_u64());
      }
  set_num_threads(saved);
}

// Every threaded path (column and depth splits of the products, fixed-block reductions,
// the optimizer's chunks, the normals) gives the same bits on any thread count: the
// tutorials' figures do not depend on --threads. Widths chosen so that the products take
// the depth split (K = 500 and 400: two depth blocks) and the column split.
TEST_CASE("a few training steps are bit-identical on 1, 2 and 3 threads (AE and VAE)") {
  Rng data_rng(3);
  const Tensor x = Tensor::uniform({128, 500}, data_rng, 0.0f, 1.0f);
  auto train = [&](bool vae) {
    Rng rng(1);
    std::vector<float> params;
    if (vae) {
      VAE model(500, 400, 8, rng);
      Adam adam(model.parameters(), AdamOptions{});
      for (int step = 0; step < 3; ++step) {
        adam.zero_grad();
        Tensor loss = model.loss(x, rng).total;
        backward(loss);
        adam.step();
      }
      for (const auto& p : model.parameters()) params.insert(params.end(), p.tensor.data(), p.tensor.data() + p.tensor.size());
    } else {
      Autoencoder model(500, {400}, 16, rng);
      Adam adam(model.parameters(), AdamOptions{});
      for (int step = 0; step < 3; ++step) {
        adam.zero_grad();
        Tensor loss = model.loss(x);
        backward(loss);
        adam.step();
      }
      for (const auto& p : model.parameters()) params.insert(params.end(), p.tensor.data(), p.tensor.data() + p.tensor.size());
    }
    return params;
  };
  const int saved = num_threads();
  for (bool vae : {false, true}) {
    CAPTURE(vae);
    set_num_threads(1);
    const std::vector<float> one = train(vae);
    for (int threads : {2, 3}) {
      CAPTURE(threads);
      set_num_threads(threads);
      CHECK(train(vae) == one);
    }
  }
  set_num_threads(saved);
}
