// random.cpp — xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64,
// with Box–Muller for normals.
#include "autograd/random.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/thread_pool.h"

namespace aet {

static uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void Rng::reseed(uint64_t seed) {
  uint64_t x = seed;
  for (auto& w : s_) w = splitmix64(x);
  has_spare_ = false;
  spare_ = 0.0f;
}

uint64_t Rng::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

// The top 24 bits give every float in [0,1) on a 2^-24 grid.
float Rng::uniform() { return static_cast<float>(next_u64() >> 40) * 0x1.0p-24f; }

float Rng::uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

// Box–Muller: two uniforms (from two draws) -> two independent N(0,1) numbers,
// r·cos θ and r·sin θ with r = √(−2 ln u1), θ = 2π u2. u1 is in (0,1], so ln u1 is finite.
static void box_muller(uint64_t draw1, uint64_t draw2, float& first, float& second) {
  const double u1 = (static_cast<double>(draw1 >> 11) + 1.0) * 0x1.0p-53;
  const double u2 = static_cast<double>(draw2 >> 11) * 0x1.0p-53;
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * M_PI * u2;
  first = static_cast<float>(r * std::cos(theta));
  second = static_cast<float>(r * std::sin(theta));
}

float Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const uint64_t d1 = next_u64(), d2 = next_u64();
  float first;
  box_muller(d1, d2, first, spare_);
  has_spare_ = true;
  return first;
}

void Rng::fill_normal(float* out, size_t n, float stddev) {
  // Up to kChunk pairs at a time, so the buffer of draws stays small (1 MiB) however long
  // the fill; allocated before the state changes, so a failed allocation changes nothing.
  constexpr size_t kChunk = size_t(1) << 16;
  static thread_local std::vector<uint64_t> draws;
  draws.resize(2 * std::min(n / 2 + 1, kChunk));
  const uint64_t* d = draws.data();  // the workers read this (the caller's) buffer through d
  size_t i = 0;
  if (n > 0 && has_spare_) {
    out[i++] = stddev * spare_;
    has_spare_ = false;
  }
  while (n - i >= 2) {  // whole pairs; an odd last number is done below
    const size_t pairs = std::min((n - i) / 2, kChunk);
    for (size_t k = 0; k < 2 * pairs; ++k) draws[k] = next_u64();
    float* dst = out + i;
    // ~17 ns a pair: below ~1 000 pairs, waking a second thread costs more than it saves.
    parallel_chunks(pairs, 1024, [&](size_t lo, size_t hi) {
      for (size_t p = lo; p < hi; ++p) {
        float a, b;
        box_muller(d[2 * p], d[2 * p + 1], a, b);
        dst[2 * p] = stddev * a;
        dst[2 * p + 1] = stddev * b;
      }
    });
    i += 2 * pairs;
  }
  if (i < n) out[i] = stddev * normal();  // the last, odd one; its partner waits as the spare
}

int Rng::randint(int n) {
  if (n <= 0) throw std::invalid_argument("Rng::randint: n must be positive, got " + std::to_string(n));
  // Lemire's multiply-shift: unbiased enough for n << 2^32 and branch-free.
  return static_cast<int>(((next_u64() >> 32) * static_cast<uint64_t>(n)) >> 32);
}

}  // namespace aet
