// test_fast_paths.cpp — every fast element-wise kernel against its plain reference, on
// awkward sizes (a tail after the blocks of 8, a single element, a Fashion-MNIST row).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "autograd/loss_kernels.h"
#include "autograd/random.h"

using namespace aet;

TEST_CASE("bce_logits_fast matches bce_logits_plain") {
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
    const double s_plain = detail::bce_logits_plain(L.data(), T.data(), d_plain.data(), n, &bad_plain);
    const double s_fast = detail::bce_logits_fast(L.data(), T.data(), d_fast.data(), n, &bad_fast);
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

TEST_CASE("bce_logits_fast counts targets outside [0,1] like the plain one") {
  std::vector<float> L(19, 0.5f), T(19, 0.5f), d(19);
  T[3] = -0.1f;
  T[10] = 1.5f;
  T[18] = std::nanf("");  // in the scalar tail
  size_t bad_plain = 0, bad_fast = 0;
  detail::bce_logits_plain(L.data(), T.data(), d.data(), L.size(), &bad_plain);
  detail::bce_logits_fast(L.data(), T.data(), d.data(), L.size(), &bad_fast);
  CHECK(bad_plain == 3);
  CHECK(bad_fast == 3);
}
