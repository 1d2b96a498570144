// epoch.cpp — benchmark: one training epoch of the VAE and of the AE on Fashion-MNIST,
// ours against PyTorch on the same model, batch (128) and optimizer (Adam, lr 1e-3).
//
//   make bench            (or: make build/bench/epoch && build/bench/epoch [--epochs 3])
//
// PyTorch runs in a child process (bench/epoch_torch.py under /usr/bin/python3) that
// trains one epoch each time we ask, so the two are measured in alternation inside one
// run: per configuration (model x threads) one warm-up epoch each, then rounds in ABBA
// order (ours, PyTorch, PyTorch, ours, ...) so a drift in the machine's load lands on
// both. Figures are medians over the measured epochs; the ratio is the median of the
// per-round ratios (steadier than a ratio of medians when the load drifts).
//
// CPUs: the 1-thread rows pin ours and the PyTorch peer to one CPU (the same one; they
// alternate, never overlap). A virtual machine's CPUs need not run at one speed: on the
// 2-core Zen 5 guest of bench/RESULTS.md round 13, CPU 0 ran both sides ~20 % slower than
// CPU 1 for hours, and unpinned each process stayed on whichever CPU it started on, so
// the ratio depended on where the two happened to land. `--cpu N` picks the CPU (default:
// the last one this process may use), `--cpu -1` leaves the scheduler free.
//
// Threads: ours through aet::set_num_threads(n). PyTorch through torch.set_num_threads(n)
// AND OpenBLAS pinned to n (OPENBLAS_NUM_THREADS before import, openblas_set_num_threads
// via ctypes), because on Debian PyTorch's GEMMs run on OpenBLAS's own pool.
//
// After the table: where our epoch goes (per op, from the tape's observer hook: bench/op_profiler.h), heap
// allocations per epoch in steady state (buffer pool), and peak RSS of both processes.
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/buffer_pool.h"
#include "autograd/gemm.h"
#include "autograd/tape.h"
#include "bench/op_profiler.h"
#include "autograd/thread_pool.h"
#include "datasets/fashion_mnist.h"
#include "datasets/loader.h"
#include "models/autoencoder.h"
#include "models/conv_vae.h"
#include "models/vae.h"
#include "nn/optim.h"

namespace {

using namespace aet;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The CPUs this process may run on, ascending; empty if the affinity cannot be read.
std::vector<int> allowed_cpus() {
  cpu_set_t set;
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

// While alive, the calling thread runs on CPU `cpu` only, and so does every process it
// forks (the PyTorch peer); the previous affinity comes back at the end. cpu < 0: no-op.
class PinToCpu {
 public:
  explicit PinToCpu(int cpu) {
    if (cpu < 0) return;
    if (sched_getaffinity(0, sizeof saved_, &saved_) != 0) {
      std::fprintf(stderr, "bench/epoch: cannot read the CPU affinity (%s); running unpinned\n", std::strerror(errno));
      return;
    }
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) {
      std::fprintf(stderr, "bench/epoch: cannot pin to CPU %d (%s); running unpinned\n", cpu, std::strerror(errno));
      return;
    }
    pinned_ = true;
  }
  ~PinToCpu() {
    if (pinned_) sched_setaffinity(0, sizeof saved_, &saved_);
  }
  PinToCpu(const PinToCpu&) = delete;
  PinToCpu& operator=(const PinToCpu&) = delete;

 private:
  cpu_set_t saved_{};
  bool pinned_ = false;
};

// ---- the PyTorch peer: a child process driven line by line over two pipes -------------
class TorchPeer {
 public:
  TorchPeer(const std::string& script, const std::string& model, int threads, int blas_threads) {
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) fail("pipe");
    pid_ = fork();
    if (pid_ < 0) fail("fork");
    if (pid_ == 0) {
      dup2(to_child[0], 0);
      dup2(from_child[1], 1);
      close(to_child[1]);
      close(from_child[0]);
      const std::string t = std::to_string(threads), b = std::to_string(blas_threads);
      execl("/usr/bin/python3", "python3", script.c_str(), "--model", model.c_str(), "--threads",
            t.c_str(), "--blas-threads", b.c_str(), static_cast<char*>(nullptr));
      std::perror("exec /usr/bin/python3");
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    in_ = fdopen(to_child[1], "w");
    out_ = fdopen(from_child[0], "r");
    info_ = expect("ready");
  }
  ~TorchPeer() {
    if (in_) std::fclose(in_);
    if (out_) std::fclose(out_);
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
  }
  const std::string& info() const { return info_; }
  double epoch(int max_steps = -1) {  // seconds; max_steps >= 0: only that many batches
    send(max_steps < 0 ? "epoch" : ("epoch " + std::to_string(max_steps)).c_str());
    return std::atof(expect("epoch").c_str());
  }
  double quit() {  // peak RSS in MiB
    send("quit");
    return std::atof(expect("rss").c_str());
  }

 private:
  [[noreturn]] static void fail(const char* what) {
    std::perror(what);
    std::exit(1);
  }
  void send(const char* cmd) {
    std::fprintf(in_, "%s\n", cmd);
    std::fflush(in_);
  }
  std::string expect(const std::string& tag) {  // the rest of the next line starting with tag
    char line[512];
    if (!std::fgets(line, sizeof line, out_)) {
      std::fprintf(stderr, "bench/epoch_torch.py stopped before answering '%s' (is python3-torch "
                           "installed? `make bench` installs it)\n", tag.c_str());
      std::exit(1);
    }
    std::string s(line);
    if (s.rfind(tag + " ", 0) != 0) {
      std::fprintf(stderr, "bench/epoch_torch.py: expected '%s', got: %s", tag.c_str(), line);
      std::exit(1);
    }
    s = s.substr(tag.size() + 1);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  pid_t pid_ = -1;
  FILE* in_ = nullptr;
  FILE* out_ = nullptr;
  std::string info_;
};

// ---- our side -------------------------------------------------------------------------
struct Phases {  // seconds per epoch, by phase of the training step
  double data = 0, forward = 0, backward = 0, optim = 0;
};

// One model + optimizer + loader; epoch() trains one epoch and returns its seconds.
struct Ours {
  virtual ~Ours() = default;
  virtual Tensor loss(const Tensor& x) = 0;
  virtual Optimizer& opt() = 0;
  virtual double gemm_flops_per_example() const = 0;  // forward + backward

  BatchLoader* loader = nullptr;
  OpProfiler* profiler = nullptr;  // while profiling: marks the start of each forward pass
  Batch batch;

  double epoch(Phases* ph = nullptr, int max_steps = -1) {
    const auto t0 = Clock::now();
    loader->start_epoch();
    Phases p;
    for (int step = 0; step != max_steps; ++step) {
      auto t = Clock::now();
      if (!loader->next(batch)) break;
      p.data += since(t);
      t = Clock::now();
      if (profiler) profiler->mark();
      Tensor l = loss(batch.x);
      p.forward += since(t);
      t = Clock::now();
      backward(l);
      p.backward += since(t);
      t = Clock::now();
      opt().step();
      opt().zero_grad();
      p.optim += since(t);
    }
    if (ph) *ph = p;
    return since(t0);
  }
};

// Linear layers (in, out) in order: forward x·W, backward Xᵀ·dY and (except for the first
// layer, whose input needs no gradient) dY·Wᵀ: 2·in·out flops each per example.
double linear_flops(const std::vector<std::pair<int, int>>& layers) {
  double f = 0;
  for (size_t i = 0; i < layers.size(); ++i) f += (i == 0 ? 2 : 3) * 2.0 * layers[i].first * layers[i].second;
  return f;
}

struct OursVae : Ours {
  Rng rng{1};
  VAE model{784, 400, 20, rng};
  Adam adam{model.parameters(), AdamOptions{}};
  Tensor loss(const Tensor& x) override { return model.loss(x, rng).total; }
  Optimizer& opt() override { return adam; }
  double gemm_flops_per_example() const override {
    return linear_flops({{784, 400}, {400, 20}, {400, 20}, {20, 400}, {400, 784}}) - 0;
  }
};

struct OursAe : Ours {
  Rng rng{1};
  Autoencoder model{784, {512, 256}, 10, rng};
  Adam adam{model.parameters(), AdamOptions{}};
  Tensor loss(const Tensor& x) override { return model.loss(x); }
  Optimizer& opt() override { return adam; }
  double gemm_flops_per_example() const override {
    return linear_flops({{784, 512}, {512, 256}, {256, 10}, {10, 256}, {256, 512}, {512, 784}});
  }
};

// Tutorial 6's conv VAE (models/conv_vae.h). Conv layers as GEMMs: forward 2·K·C·k²·H'·W'
// flops for a conv with output (K,H',W'), 2·C_in·C_out·k²·H·W for a transposed conv with
// input (C_in,H,W); backward twice that (dW and dX), except conv1, whose input needs no dX.
struct OursConvVae : Ours {
  Rng rng{1};
  ConvVAE model{28, 20, rng};
  Adam adam{model.parameters(), AdamOptions{}};
  Tensor loss(const Tensor& x) override { return model.loss(x, rng).total; }
  Optimizer& opt() override { return adam; }
  double gemm_flops_per_example() const override {
    const double conv1 = 2.0 * 32 * 1 * 9 * 14 * 14, conv2 = 2.0 * 64 * 32 * 9 * 7 * 7;
    const double up1 = 2.0 * 64 * 64 * 9 * 7 * 7, up2 = 2.0 * 64 * 32 * 9 * 14 * 14, out = 2.0 * 32 * 9 * 28 * 28;
    const double dense = 3 * 2.0 * 3136 * 20;  // μ, log σ² and the decoder's dense layer, each with dX
    return 2 * conv1 + 3 * (conv2 + up1 + up2 + out) + 3 * dense;
  }
};

// The conv VAE's epoch is ~12x the MLP's work: it is measured on the first kConvSteps
// batches of each epoch (both sides) and scaled to the full 469.
constexpr int kConvSteps = 20;

std::unique_ptr<Ours> make_ours(const std::string& model) {
  if (model == "vae") return std::make_unique<OursVae>();
  if (model == "conv_vae") return std::make_unique<OursConvVae>();
  return std::make_unique<OursAe>();
}

struct Row {
  std::string model;
  int threads;
  double ours, torch, ratio, gflops, allocs_per_epoch;
};

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

void print_profile(const std::string& model, const Dataset& train, int threads, int cpu) {
  const PinToCpu pin(threads == 1 ? cpu : -1);
  set_num_threads(threads);
  Rng rng(7);
  BatchLoader loader(train, 128, true, rng);
  auto ours = make_ours(model);
  ours->loader = &loader;
  const int steps = model == "conv_vae" ? 20 : 150;
  ours->epoch(nullptr, model == "conv_vae" ? 3 : 20);  // warm-up
  Phases ph;
  std::vector<OpTime> ops;
  double total = 0;
  {
    OpProfiler profiler;
    ours->profiler = &profiler;
    total = ours->epoch(&ph, steps);
    ours->profiler = nullptr;
    ops = profiler.results();
  }
  const double scale = 469.0 / steps;  // per epoch
  std::printf("\n%s, %d thread%s: where one epoch goes (%d profiled steps, scaled to 469)\n",
              model.c_str(), threads, threads == 1 ? "" : "s", steps);
  std::printf("| %-22s | fwd s/epoch | bwd s/epoch | share |\n", "op / phase");
  std::printf("|------------------------|-------------|-------------|-------|\n");
  double gemm = 0, elementwise = 0;
  for (const OpTime& t : ops) {
    const double s = t.forward_s + t.backward_s;
    const bool is_gemm = t.op == "linear" || t.op.rfind("matmul", 0) == 0 || t.op.rfind("linear_", 0) == 0 ||
                         t.op.rfind("conv", 0) == 0;  // conv2d, conv_transpose2d: im2col/col2im + GEMM
    (is_gemm ? gemm : elementwise) += s;
    std::printf("| %-22s | %11.3f | %11.3f | %4.1f%% |\n", t.op.c_str(), t.forward_s * scale,
                t.backward_s * scale, 100 * s / total);
  }
  const double other_fb = ph.forward + ph.backward - gemm - elementwise;  // tape clear, glue
  std::printf("| %-22s | %25.3f | %4.1f%% |\n", "(tape/glue in fwd+bwd)", other_fb * scale, 100 * other_fb / total);
  std::printf("| %-22s | %25.3f | %4.1f%% |\n", "optimizer (Adam+zero)", ph.optim * scale, 100 * ph.optim / total);
  std::printf("| %-22s | %25.3f | %4.1f%% |\n", "data (batch gather)", ph.data * scale, 100 * ph.data / total);
  std::printf("summary: GEMM ops (linear/matmul/conv, incl. bias) %.0f%%, element-wise ops %.0f%%, "
              "optimizer %.0f%%, data %.0f%%, rest %.0f%%  (epoch %.2f s)\n",
              100 * gemm / total, 100 * elementwise / total, 100 * ph.optim / total,
              100 * ph.data / total, 100 * other_fb / total, total * scale);
}

}  // namespace

int main(int argc, char** argv) {
  int measured = 3;
  std::string script = "bench/epoch_torch.py";
  bool profile_only = false, ours_only = false;
  int profile_threads = 1;
  const std::vector<int> cpus = allowed_cpus();
  int cpu = cpus.empty() ? -1 : cpus.back();  // the 1-thread rows' CPU (--cpu): the last allowed
  bool cpu_given = false;
  std::vector<int> thread_counts = {1, 2};  // --threads N: only N (a busy machine's quick check)
  std::vector<std::string> models = {"vae", "ae", "conv_vae"};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--epochs" && i + 1 < argc) measured = std::max(1, std::atoi(argv[++i]));
    else if (a == "--script" && i + 1 < argc) script = argv[++i];
    else if (a == "--profile-only") profile_only = true;
    else if (a == "--ours-only") ours_only = true;
    else if (a == "--threads" && i + 1 < argc) {
      profile_threads = std::max(1, std::atoi(argv[++i]));
      thread_counts = {profile_threads};
    }
    else if (a == "--model" && i + 1 < argc) models = {argv[++i]};  // one row only: vae, ae or conv_vae
    else if (a == "--cpu" && i + 1 < argc) {
      char* end = nullptr;
      const long n = std::strtol(argv[++i], &end, 10);
      if (end == argv[i] || *end != '\0' || n < -1 || n >= CPU_SETSIZE) {
        std::fprintf(stderr, "%s: --cpu takes a CPU number, or -1 for none; got '%s'\n", argv[0], argv[i]);
        return 2;
      }
      cpu = int(n);
      cpu_given = true;
    }
    else {
      std::fprintf(stderr, "usage: %s [--epochs N] [--script bench/epoch_torch.py] [--threads N] [--profile-only] [--ours-only] [--model vae|ae|conv_vae] [--cpu N|-1]\n", argv[0]);
      return 2;
    }
  }
  if (cpu >= 0 && std::find(cpus.begin(), cpus.end(), cpu) == cpus.end()) {
    std::string list;
    for (int c : cpus) list += (list.empty() ? "" : " ") + std::to_string(c);
    std::fprintf(stderr, "%s: --cpu %d: this process may run on CPUs %s only (or --cpu -1: not pinned)\n", argv[0],
                 cpu, cpus.empty() ? "(unknown)" : list.c_str());
    return 2;
  }
  const Dataset train = load_fashion_mnist("", Split::Train);
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d", std::localtime(&now));
  std::printf("epoch benchmark, %s, %ld cores, gemm kernel %s; Fashion-MNIST train (%d images), "
              "batch 128, Adam lr 1e-3\n", date, sysconf(_SC_NPROCESSORS_ONLN), gemm_kernel_name(),
              train.size());
  std::printf("ours: %s%s\n", gemm_describe().c_str(),
              std::getenv("AET_GEMM_KERNEL") ? " (forced with AET_GEMM_KERNEL)" : "");
  if (const char* core = std::getenv("OPENBLAS_CORETYPE"))
    std::printf("PyTorch's OpenBLAS forced to core %s (OPENBLAS_CORETYPE)\n", core);
  std::printf("threads: ours aet::set_num_threads(n); PyTorch torch.set_num_threads(n) + OpenBLAS "
              "pinned to n (OPENBLAS_NUM_THREADS before import and openblas_set_num_threads via "
              "ctypes)\n");
  if (ours_only)
    std::printf("CPU: not pinned (--ours-only alternates 1 and 2 threads)\n");
  else if (cpu >= 0)
    std::printf("CPU: the 1-thread rows pin ours and PyTorch to CPU %d, both (--cpu N picks another, -1 none)\n", cpu);
  else
    std::printf("CPU: not pinned (%s)\n", cpu_given ? "--cpu -1" : "this process's CPU affinity could not be read");
  std::printf("method: 1 warm-up epoch each, then %d epochs each alternating ours/PyTorch (ABBA); "
              "medians; ratio = median of per-round ratios\n", measured);
  if (ours_only) {  // our steps alone, 1 and 2 threads alternating: a quick check while tuning
    // Bursts of 50 steps, 1 and 2 threads in alternation, 12 rounds; the fastest burst of
    // each (scaled to an epoch) filters out the moments another job shares the machine.
    for (const std::string model : {"vae", "ae"}) {
      std::unique_ptr<Ours> ours[2];
      Rng rngs[2] = {Rng(7), Rng(7)};
      std::unique_ptr<BatchLoader> loaders[2];
      double best[2] = {1e9, 1e9};
      for (int k = 0; k < 2; ++k) {
        loaders[k] = std::make_unique<BatchLoader>(train, 128, true, rngs[k]);
        ours[k] = make_ours(model);
        ours[k]->loader = loaders[k].get();
      }
      for (int r = 0; r < 12; ++r)
        for (int k = 0; k < 2; ++k) {
          set_num_threads(k + 1);
          ours[k]->epoch(nullptr, 5);  // wake the pool
          best[k] = std::min(best[k], ours[k]->epoch(nullptr, 50) * 469.0 / 50);
        }
      std::printf("%s: 1 thr %.3f s/epoch, 2 thr %.3f s/epoch (fastest of 12 bursts), speedup %.2fx\n",
                  model.c_str(), best[0], best[1], best[0] / best[1]);
      std::fflush(stdout);
    }
    return 0;
  }
  if (profile_only) {
    for (const std::string& model : models) print_profile(model, train, profile_threads, cpu);
    return 0;
  }
  std::fflush(stdout);

  std::vector<Row> rows;
  double torch_rss = 0;
  for (const std::string& model : models) {
    for (int threads : thread_counts) {
      const bool conv = model == "conv_vae";
      if (conv && threads == 2) continue;  // the conv row: 1 thread (see kConvSteps)
      const int steps = conv ? kConvSteps : -1;
      const double scale = conv ? 469.0 / kConvSteps : 1.0;
      const PinToCpu pin(threads == 1 ? cpu : -1);  // before the peer is forked: it inherits the CPU
      set_num_threads(threads);
      Rng rng(7);
      BatchLoader loader(train, 128, true, rng);
      auto ours = make_ours(model);
      ours->loader = &loader;
      TorchPeer peer(script, model, threads, threads);
      if (rows.empty()) std::printf("PyTorch peer: %s\n", peer.info().c_str());
      ours->epoch(nullptr, steps);  // warm-up: pool buffers, packing buffers, page faults
      const double torch_warmup = peer.epoch(steps) * scale;
      // A cap on the run time: when PyTorch's epoch is very slow (its threads spinning on
      // a busy machine), measure two rounds (one AB, one BA) instead of `measured`. The cap
      // is on the time the rounds take, so a conv round (kConvSteps batches, a few seconds)
      // is not capped by its epoch scaled to 469 batches.
      const int rounds = torch_warmup / scale > 20.0 ? std::min(measured, 2) : measured;
      if (rounds < measured)
        std::fprintf(stderr, "  %s %d thr: PyTorch warm-up epoch took %.1f s; measuring %d rounds, not %d\n",
                     model.c_str(), threads, torch_warmup, rounds, measured);
      const uint64_t allocs0 = pool_stats().fresh_allocations;
      std::vector<double> t_ours, t_torch, ratios;
      for (int r = 0; r < rounds; ++r) {
        double a, b;
        if (r % 2 == 0) { a = ours->epoch(nullptr, steps) * scale; b = peer.epoch(steps) * scale; }
        else { b = peer.epoch(steps) * scale; a = ours->epoch(nullptr, steps) * scale; }
        t_ours.push_back(a);
        t_torch.push_back(b);
        ratios.push_back(a / b);
      }
      const double allocs = double(pool_stats().fresh_allocations - allocs0) / rounds * scale;
      torch_rss = std::max(torch_rss, peer.quit());
      const double mo = median(t_ours);
      const double flops = ours->gemm_flops_per_example() * train.size();
      rows.push_back({model, threads, mo, median(t_torch), median(ratios), flops / mo * 1e-9, allocs});
      std::fprintf(stderr, "  %s %d thr: ours", model.c_str(), threads);
      for (double t : t_ours) std::fprintf(stderr, " %.2f", t);
      std::fprintf(stderr, "  torch");
      for (double t : t_torch) std::fprintf(stderr, " %.2f", t);
      std::fprintf(stderr, "\n");
    }
  }

  std::printf("\n| model | threads | ours s/epoch | PyTorch s/epoch | ours/PyTorch | ours 2-thr speedup | GEMM GFLOP/s (ours) | fresh allocs/epoch |\n");
  std::printf("|-------|---------|--------------|-----------------|--------------|--------------------|---------------------|--------------------|\n");
  for (const Row& r : rows) {
    std::string speedup = "";
    if (r.threads == 2)
      for (const Row& o : rows)
        if (o.model == r.model && o.threads == 1) speedup = std::to_string(o.ours / r.ours).substr(0, 4) + "x";
    std::printf("| %-5s | %7d | %12.2f | %15.2f | %11.2fx | %18s | %19.1f | %18.0f |\n", r.model.c_str(),
                r.threads, r.ours, r.torch, r.ratio, speedup.c_str(), r.gflops, r.allocs_per_epoch);
  }
  for (const std::string& model : models) {
    const auto o = make_ours(model);
    std::printf("%s GEMM work per epoch: %.1f GFLOP\n", model.c_str(),
                o->gemm_flops_per_example() * train.size() * 1e-9);
  }
  std::printf("peak RSS: ours %.0f MiB (whole benchmark, dataset included), PyTorch peer %.0f MiB\n",
              peak_rss_mib(), torch_rss);
  std::fflush(stdout);
  for (const std::string& model : models) print_profile(model, train, 1, cpu);
  return 0;
}
