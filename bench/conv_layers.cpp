// conv_layers.cpp — benchmark: each conv layer of tutorial 6's models alone, forward and
// backward on a batch of 128 at 1 thread, in GFLOP/s of GEMM-equivalent work, to see
// where a conv VAE epoch goes (bench/epoch.cpp profiles it per op; this splits the ops
// into layers). Best of 5 repetitions each, by the wall clock and by this process's CPU time
// (on a shared machine the CPU time is the steadier figure; at 1 thread the two agree when
// the machine is idle).
//
//   make build/bench/conv_layers && build/bench/conv_layers
//
// Work counted as in bench/epoch.cpp: forward 2·K·C·k²·H'·W' per image for a conv with
// output (K,H',W'), 2·C_in·C_out·k²·H·W for a transposed conv with input (C_in,H,W);
// backward twice the forward (dW and dX: every input here requires a gradient).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <string>

#include "autograd/tape.h"
#include "autograd/thread_pool.h"
#include "nn/layers.h"

namespace {

using namespace aet;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

void bench(const char* name, const std::function<Tensor(const Tensor&)>& layer, const Shape& in,
           double forward_flops) {
  Rng rng(1);
  Tensor x = Tensor::randn(in, rng, 1.0f, /*requires_grad=*/true);
  double best_f = 1e9, best_b = 1e9, cpu_f = 1e9, cpu_b = 1e9;
  for (int r = 0; r < 5; ++r) {
    auto t = Clock::now();
    double c = cpu_now();
    Tensor y = layer(x);
    best_f = std::min(best_f, since(t));
    cpu_f = std::min(cpu_f, cpu_now() - c);
    Tensor loss = sum(y);
    t = Clock::now();
    c = cpu_now();
    backward(loss);
    best_b = std::min(best_b, since(t));
    cpu_b = std::min(cpu_b, cpu_now() - c);
  }
  std::printf("| %-32s | %8.4f | %8.4f | %7.1f | %8.4f | %8.4f | %7.1f |\n", name, best_f, cpu_f,
              forward_flops / cpu_f * 1e-9, best_b, cpu_b, 2 * forward_flops / cpu_b * 1e-9);
}

}  // namespace

int main() {
  set_num_threads(1);
  Rng rng(2);
  const double N = 128;
  const Conv2d c1(1, 32, 3, rng, 2, 1), c2(32, 64, 3, rng, 2, 1), out(32, 1, 3, rng, 1, 1);
  const ConvTranspose2d u1(64, 64, 3, rng, 2, 1, 1), u2(64, 32, 3, rng, 2, 1, 1);
  std::printf("conv layers of tutorial 6, batch 128, 1 thread, best of 5\n");
  std::printf("GFLOP/s from the CPU time\n");
  std::printf("| %-32s | fwd s    | fwd CPU  | GFLOP/s | bwd s    | bwd CPU  | GFLOP/s |\n", "layer (input)");
  std::printf("|----------------------------------|----------|----------|---------|----------|----------|---------|\n");
  auto bench_layer = [](const char* name, const auto& layer, const Shape& in, double flops) {
    bench(name, [&](const Tensor& x) { return layer(x); }, in, flops);
  };
  bench_layer("conv 1->32 s2 (128,1,28,28)", c1, {128, 1, 28, 28}, N * 2.0 * 32 * 9 * 14 * 14);
  bench_layer("conv 32->64 s2 (128,32,14,14)", c2, {128, 32, 14, 14}, N * 2.0 * 64 * 32 * 9 * 7 * 7);
  bench_layer("convT 64->64 s2 (128,64,7,7)", u1, {128, 64, 7, 7}, N * 2.0 * 64 * 64 * 9 * 7 * 7);
  bench_layer("convT 64->32 s2 (128,64,14,14)", u2, {128, 64, 14, 14}, N * 2.0 * 64 * 32 * 9 * 14 * 14);
  bench_layer("conv 32->1 (128,32,28,28)", out, {128, 32, 28, 28}, N * 2.0 * 32 * 9 * 28 * 28);
  // The four layers the models follow by a ReLU, as they run them (layer(x, ReLU): the fused
  // conv2d_relu / conv_transpose2d_relu) and as the two ops relu(layer(x)).
  auto both = [&](const std::string& name, const auto& layer, const Shape& in, double flops) {
    bench((name + " +ReLU fused").c_str(), [&](const Tensor& x) { return layer(x, ReLU); }, in, flops);
    bench((name + " , relu()").c_str(), [&](const Tensor& x) { return relu(layer(x)); }, in, flops);
  };
  both("conv 1->32 s2", c1, {128, 1, 28, 28}, N * 2.0 * 32 * 9 * 14 * 14);
  both("conv 32->64 s2", c2, {128, 32, 14, 14}, N * 2.0 * 64 * 32 * 9 * 7 * 7);
  both("convT 64->64 s2", u1, {128, 64, 7, 7}, N * 2.0 * 64 * 64 * 9 * 7 * 7);
  both("convT 64->32 s2", u2, {128, 64, 14, 14}, N * 2.0 * 64 * 32 * 9 * 14 * 14);
  return 0;
}
