// doctor.cpp — `make doctor`: one screen about this machine's setup, to paste into a
// question. It says what the toolkit was built with and what it finds at run time —
// OS, compiler, C++ library, CPU and SIMD, the GEMM kernel and its speed, threads,
// the data folder, gnuplot — and, for each missing piece, the one command that fixes it.
// It always exits 0 (the report is the result); only a bad flag exits non-zero.
#include <sys/utsname.h>
#include <unistd.h>
#if defined(__APPLE__)
#include <sys/sysctl.h>
#endif

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>
#include <version>

#include "autograd/gemm.h"
#include "autograd/kernels/cpu_features.h"
#include "autograd/thread_pool.h"
#include "datasets/data_source.h"
#include "datasets/image_folder.h"
#include "tutorials/common/plot.h"

using namespace aet;
namespace fs = std::filesystem;

namespace {

enum class Platform { Debian, MacOS, OtherLinux, Other };

Platform platform() {
#if defined(__APPLE__)
  return Platform::MacOS;
#elif defined(__linux__)
  return fs::exists("/etc/debian_version") ? Platform::Debian : Platform::OtherLinux;
#else
  return Platform::Other;
#endif
}

// The value of `key` in a "key: value" (/proc/cpuinfo) or KEY="value" (/etc/os-release)
// file, or "" if the file or the key is missing.
std::string file_value(const char* path, const std::string& key, char sep) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with(key)) continue;
    const size_t at = line.find(sep, key.size());
    if (at == std::string::npos || line.find_first_not_of(" \t", key.size()) != at) continue;
    std::string v = line.substr(at + 1);
    v.erase(0, v.find_first_not_of(" \t\""));
    while (!v.empty() && (v.back() == '"' || v.back() == ' ')) v.pop_back();
    return v;
  }
  return "";
}

std::string os_line() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  std::string s = fmt::format("{} {} {}", u.sysname, u.release, u.machine);
  const std::string pretty = file_value("/etc/os-release", "PRETTY_NAME", '=');
  if (!pretty.empty()) s += " (" + pretty + ")";
  if (platform() == Platform::MacOS) s += " (macOS)";
  return s;
}

std::string compiler_line() {
#if defined(__apple_build_version__)
  std::string s = "Apple clang " __clang_version__;
#elif defined(__clang__)
  std::string s = "clang " __clang_version__;
#elif defined(__GNUC__)
  std::string s = "g++ " __VERSION__;
#else
  std::string s = "unknown compiler";
#endif
  while (!s.empty() && s.back() == ' ') s.pop_back();  // __clang_version__ ends in a space
  return s;
}

std::string cxx_library_line() {
#if defined(_LIBCPP_VERSION)
  // 14000 for LLVM 14 (major·1000 + minor·100), 160000 from LLVM 16 on (major·10000 + ...).
  const int v = _LIBCPP_VERSION;
  return fmt::format("LLVM libc++ {}", v >= 100000 ? v / 10000 : v / 1000);
#elif defined(_GLIBCXX_RELEASE)
  return fmt::format("GNU libstdc++ {} ({})", _GLIBCXX_RELEASE, __GLIBCXX__);
#else
  return "unknown";
#endif
}

std::string cpu_line() {
#if defined(__APPLE__)
  char brand[256] = {};
  size_t size = sizeof brand;
  if (sysctlbyname("machdep.cpu.brand_string", brand, &size, nullptr, 0) == 0) return brand;
  return "unknown";
#else
  std::string name = file_value("/proc/cpuinfo", "model name", ':');
  if (name.empty()) name = file_value("/proc/cpuinfo", "Hardware", ':');
  if (name.empty()) name = file_value("/proc/cpuinfo", "CPU part", ':').empty() ? "unknown" : "ARM (see lscpu)";
  return name;
#endif
}

// The vector instruction sets the CPU offers, as the GEMM dispatch sees them.
std::string simd_line() {
#if defined(__x86_64__) || defined(__i386__)
  std::string s;
  auto add = [&](bool has, const char* name) { s += fmt::format("{}{}", s.empty() ? "" : " ", has ? name : ""); };
  __builtin_cpu_init();
  add(__builtin_cpu_supports("sse4.2"), "SSE4.2");
  add(__builtin_cpu_supports("avx"), "AVX");
  add(__builtin_cpu_supports("avx2"), "AVX2");
  add(__builtin_cpu_supports("fma"), "FMA");
  add(__builtin_cpu_supports("avx512f"), "AVX-512F");
  add(__builtin_cpu_supports("avx512bw"), "AVX-512BW");
  s.erase(std::unique(s.begin(), s.end(), [](char a, char b) { return a == ' ' && b == ' '; }), s.end());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return "x86-64: " + (s.empty() ? std::string("none beyond SSE2") : s);
#elif defined(__aarch64__)
  return "AArch64: NEON (part of every AArch64 CPU)";
#else
  return "no SIMD the toolkit knows about (the portable kernel is used)";
#endif
}

// Largest |gemm − gemm_naive| over the three layouts on awkward sizes: a wrong kernel
// shows here before it shows as a strange loss curve.
double gemm_check() {
  const int M = 33, N = 17, K = 29;
  std::vector<float> A(size_t(M) * K), B(size_t(K) * N), fast(size_t(M) * N), ref(fast.size());
  for (size_t i = 0; i < A.size(); ++i) A[i] = float(int(i * 7 % 13) - 6) / 8.0f;
  for (size_t i = 0; i < B.size(); ++i) B[i] = float(int(i * 5 % 11) - 5) / 8.0f;
  double worst = 0.0;
  for (Layout layout : {Layout::NN, Layout::TN, Layout::NT}) {
    // TN reads A as (K,M) and NT reads B as (N,K): same element counts, other shapes.
    gemm(layout, M, N, K, A.data(), B.data(), fast.data(), false);
    gemm_naive(layout, M, N, K, A.data(), B.data(), ref.data(), false);
    for (size_t i = 0; i < fast.size(); ++i) worst = std::max(worst, double(std::fabs(fast[i] - ref[i])));
  }
  return worst;
}

// GFLOP/s of gemm on tutorial 1's first layer (a batch of 128 times 784x512), timed for
// about `seconds` after one warm-up call.
double gemm_gflops(double seconds) {
  const int M = 128, N = 512, K = 784;
  std::vector<float> A(size_t(M) * K, 0.5f), B(size_t(K) * N, 0.25f), C(size_t(M) * N);
  gemm(Layout::NN, M, N, K, A.data(), B.data(), C.data(), false);
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  long calls = 0;
  double elapsed = 0.0;
  do {
    gemm(Layout::NN, M, N, K, A.data(), B.data(), C.data(), false);
    ++calls;
    elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (elapsed < seconds);
  return 2.0 * M * N * K * calls / elapsed * 1e-9;
}

// The files load_fashion_mnist needs, each as .gz or raw; returns the missing ones.
std::vector<std::string> missing_data_files(const std::string& dir) {
  std::vector<std::string> missing;
  for (const char* base : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                           "t10k-labels-idx1-ubyte"}) {
    std::error_code ec;
    if (!fs::is_regular_file(fs::path(dir) / (std::string(base) + ".gz"), ec) &&
        !fs::is_regular_file(fs::path(dir) / base, ec))
      missing.push_back(std::string(base) + ".gz");
  }
  return missing;
}

std::string install_command(const char* debian, const char* brew, const char* what) {
  switch (platform()) {
    case Platform::Debian: return fmt::format("sudo apt-get install {}", debian);
    case Platform::MacOS: return fmt::format("brew install {}", brew);
    default: return fmt::format("install {} with your package manager (Debian: {})", what, debian);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string data;
  double seconds = 1.0;
  CLI::App app{"AutoEncoder Toolkit doctor: this machine's setup on one screen"};
  app.add_option("--data", data, "Fashion-MNIST directory to check (default: AET_DATA or the Debian package's)");
  app.add_option("--seconds", seconds, "how long the GEMM speed check runs")->check(CLI::Range(0.01, 60.0))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> fixes;
  auto row = [](const char* key, const std::string& value) { fmt::print("  {:<12}{}\n", key, value); };
  fmt::print("AutoEncoder Toolkit doctor (paste this whole screen into your question)\n");
  row("OS", os_line());
  row("compiler", compiler_line() + fmt::format(", C++ {}", __cplusplus));
  row("C++ library", cxx_library_line());
  row("CPU", fmt::format("{} ({} hardware threads)", cpu_line(), std::thread::hardware_concurrency()));
  row("SIMD", simd_line());
  const aet::kernels::CacheSizes& caches = aet::kernels::cpu_caches();
  row("caches", fmt::format("L1d {} KiB, L2 {} KiB, L3 {} KiB (from {}; the GEMM sizes its blocks by them)",
                            caches.l1d / 1024, caches.l2 / 1024, caches.l3 / 1024, caches.source));

  const int threads = num_threads();
  const char* env_threads = std::getenv("AET_THREADS");
  row("threads", fmt::format("{} ({})", threads,
                             env_threads && *env_threads ? fmt::format("AET_THREADS={}", env_threads)
                                                         : std::string("all cores; AET_THREADS=N or a tutorial's --threads N changes it")));
  const double diff = gemm_check();
  const bool gemm_ok = diff <= 1e-4;
  std::string speed;
  if (threads > 1) {
    set_num_threads(1);
    speed = fmt::format("{:.1f} GFLOP/s on 1 thread, ", gemm_gflops(seconds / 2));
    set_num_threads(threads);
    speed += fmt::format("{:.1f} on {}", gemm_gflops(seconds / 2), threads);
  } else {
    speed = fmt::format("{:.1f} GFLOP/s on 1 thread", gemm_gflops(seconds));
  }
  row("GEMM", fmt::format("kernel '{}': {} (128x784 times 784x512)", gemm_kernel_name(), speed));
  row("", fmt::format("{} with the naive reference in all three layouts (max diff {:.1g})",
                      gemm_ok ? "agrees" : "DISAGREES", diff));
  if (!gemm_ok)
    fixes.push_back(fmt::format("GEMM: kernel '{}' gives wrong products here; please report this screen as a bug",
                                gemm_kernel_name()));

  // Where the tutorials would find Fashion-MNIST (datasets/data_source.h), downloading nothing.
  DataLocation where;
  try {
    where = locate_data({.dir = data, .download = false});
  } catch (const std::exception& e) {
    row("data", e.what());
    fixes.push_back(platform() == Platform::Debian
                        ? "data: sudo apt-get install dataset-fashion-mnist   (or: make data, which downloads 30 MB)"
                        : "data: make data   (downloads Fashion-MNIST, 30 MB, into the cache)");
  }
  if (!where.dir.empty()) {
    const std::vector<std::string> missing = missing_data_files(where.dir);
    std::error_code ec;
    std::string what;
    if (!fs::is_directory(where.dir, ec)) what = "no such folder";
    else if (looks_like_image_folder(where.dir)) what = "an image folder (one subfolder per class)";
    else if (missing.empty()) what = "all four Fashion-MNIST files found";
    else if (missing.size() == 4) what = "none of the four Fashion-MNIST files";
    else {
      what = "missing";
      for (const std::string& m : missing) what += (what == "missing" ? " " : ", ") + m;
    }
    row("data", fmt::format("{} (from {}): {}", where.dir, where.origin, what));
    if (!what.starts_with("all") && !what.starts_with("an image"))
      fixes.push_back(fmt::format("data: put the four Fashion-MNIST .gz files in {} or pass --data DIR", where.dir));
  }

  const std::string gnuplot = find_on_path("gnuplot");
  row("gnuplot", gnuplot.empty() ? std::string("not found on PATH (the tutorials draw their charts with it)") : gnuplot);
  if (gnuplot.empty()) fixes.push_back("gnuplot: " + install_command("gnuplot-nox", "gnuplot", "gnuplot"));

  if (fixes.empty()) {
    fmt::print("everything the tutorials need is here.\n");
  } else {
    fmt::print("to fix:\n");
    for (const std::string& f : fixes) fmt::print("  - {}\n", f);
  }
  return 0;
}
