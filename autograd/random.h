// random.h — the one random generator of the toolkit.
//
// Every initialisation, shuffle, sample and ε of the reparameterization draws from
// an Rng seeded by `--seed`, so the same seed gives bit-identical runs on any thread
// count (the kernels split work so that no sum depends on it; tests/test_fast_paths.cpp
// checks training steps on 1, 2 and 3 threads) with the same GEMM kernel. We write our
// own normal sampler (Box–Muller) because std::normal_distribution
// differs between standard libraries; xoshiro256** is small, fast and well tested.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace aet {

class Rng {
 public:
  explicit Rng(uint64_t seed = 42) { reseed(seed); }
  void reseed(uint64_t seed);

  uint64_t next_u64();
  float uniform();                     // [0, 1)
  float uniform(float lo, float hi);   // [lo, hi)
  float normal();                      // N(0, 1)
  int randint(int n);                  // [0, n), n > 0

  // out[i] = stddev * normal() for i < n: the same numbers, in the same order, as n calls
  // of normal(), and the same state afterwards. The uniforms are drawn here one after
  // the other; the Box–Muller transforms (the expensive part: log, sqrt, sin, cos) of a
  // long fill run on the thread pool. Used by Tensor::randn.
  void fill_normal(float* out, size_t n, float stddev = 1.0f);

  // The full state, for checkpoints that resume exactly.
  struct State {
    std::array<uint64_t, 4> s;
    float spare;
    uint32_t has_spare;
  };
  State state() const { return {s_, spare_, has_spare_ ? 1u : 0u}; }
  void set_state(const State& st) { s_ = st.s; spare_ = st.spare; has_spare_ = st.has_spare != 0; }

 private:
  std::array<uint64_t, 4> s_{};
  float spare_ = 0.0f;   // Box–Muller makes two normals; the second waits here
  bool has_spare_ = false;
};

}  // namespace aet
