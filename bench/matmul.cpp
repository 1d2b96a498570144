// matmul.cpp — benchmark: aet::gemm against OpenBLAS on the training shapes.
//
//   make build/bench/matmul && build/bench/matmul
//
// Each of our kernels is measured against OpenBLAS forced to the matching core: avx512
// against OPENBLAS_CORETYPE=SkylakeX, avx2 against Haswell (so an AVX-512 machine also
// measures the AVX2 path side by side, both sides forced), and our automatic choice
// against OpenBLAS's. Each pair runs in a child process of its own, because OpenBLAS
// reads OPENBLAS_CORETYPE when it is loaded and our kernel is forced with
// AET_GEMM_KERNEL. `build/bench/matmul --one` measures only the pair the environment sets.
// `--cpu-time` times by the calling thread's CPU clock instead of the wall clock, at one
// thread only: on a busy machine it leaves out the time the thread waits for a core (but
// not the caches other jobs evict), so ratios stay readable where wall-clock rows do not.
//
// OpenBLAS is loaded at run time with dlopen("libopenblas.so.0") (Debian package
// libopenblas0, pulled in by `make bench`), so the library itself never links it.
// For each shape and thread count the two libraries are timed in alternating samples
// (ours, OpenBLAS, OpenBLAS, ours, ...), so a noisy neighbour on the shared machine
// slows both alike; each GFLOP/s figure is the median over the samples, and the ratio
// is the median of the ratios of adjacent samples (steadier when the load drifts). Peaks come from a register-only
// loop of independent FMAs on one core; "% peak" is against the widest vectors the CPU
// has (what OpenBLAS uses) times the thread count.
#include <dlfcn.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "autograd/gemm.h"
#include "autograd/thread_pool.h"

namespace {

using Clock = std::chrono::steady_clock;

// The two OpenBLAS entry points we need (cblas.h values: RowMajor 101, NoTrans 111, Trans 112).
using SgemmFn = void (*)(int order, int trans_a, int trans_b, int M, int N, int K, float alpha,
                         const float* A, int lda, const float* B, int ldb, float beta, float* C,
                         int ldc);
using SetThreadsFn = void (*)(int);
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

struct OpenBlas {
    SgemmFn sgemm = nullptr;
    SetThreadsFn set_threads = nullptr;
    const char* (*corename)() = nullptr;
};

OpenBlas load_openblas() {
    // OpenBLAS workers spin (sched_yield) for 2^28 cycles, ~0.1 s, after each call before
    // sleeping; interleaved with our samples they would take a core from our threads
    // (and ours, spinning briefly, from theirs). 2^20 cycles (~0.4 ms) still covers the
    // gap between back-to-back calls inside a sample, and ends during the pause between
    // samples. Our pool spins for 0.2 ms. An OPENBLAS_THREAD_TIMEOUT you set wins.
    setenv("OPENBLAS_THREAD_TIMEOUT", "20", /*overwrite=*/0);
    void* lib = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
        std::fprintf(stderr, "cannot load libopenblas.so.0 (%s); run `make bench` or "
                             "apt-get install libopenblas0\n", dlerror());
        std::exit(1);
    }
    OpenBlas o;
    o.sgemm = reinterpret_cast<SgemmFn>(dlsym(lib, "cblas_sgemm"));
    o.set_threads = reinterpret_cast<SetThreadsFn>(dlsym(lib, "openblas_set_num_threads"));
    o.corename = reinterpret_cast<const char* (*)()>(dlsym(lib, "openblas_get_corename"));
    if (o.sgemm == nullptr || o.set_threads == nullptr) {
        std::fprintf(stderr, "libopenblas.so.0 lacks cblas_sgemm/openblas_set_num_threads\n");
        std::exit(1);
    }
    return o;
}

bool g_cpu_time = false;  // --cpu-time

// Seconds on the wall clock, or on this thread's CPU clock with --cpu-time.
double clock_seconds() {
    if (g_cpu_time) {
        timespec t{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
        return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
    }
    return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

// ---- peak: independent FMA chains that never touch memory --------------------------
// x86 only; each probe runs only on a CPU that has its instructions (an AVX2 probe on a
// CPU without AVX2 dies of SIGILL). Elsewhere the peak is unknown and "% peak" is left out.
#if defined(__x86_64__) || defined(__i386__)
// 12 accumulators cover the FMA latency (4 cycles) times the two FMA ports with room.
__attribute__((target("avx2,fma"))) double peak_avx2_gflops() {
    __m256 acc[12];
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(float(i));
    const __m256 x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(0.001f);
    const long iters = 20'000'000;
    const double t0 = clock_seconds();
    for (long it = 0; it < iters; ++it)
        for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
    const double s = clock_seconds() - t0;
    __m256 sum = acc[0];
    for (int i = 1; i < 12; ++i) sum = _mm256_add_ps(sum, acc[i]);
    if (_mm256_cvtss_f32(sum) == 12345.0f) std::puts("");
    return iters * 12.0 * 8 * 2 / s * 1e-9;
}

__attribute__((target("avx512f"))) double peak_avx512_gflops() {
    __m512 acc[12];
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(float(i));
    const __m512 x = _mm512_set1_ps(0.999f), y = _mm512_set1_ps(0.001f);
    const long iters = 20'000'000;
    const double t0 = clock_seconds();
    for (long it = 0; it < iters; ++it)
        for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
    const double s = clock_seconds() - t0;
    __m512 sum = acc[0];
    for (int i = 1; i < 12; ++i) sum = _mm512_add_ps(sum, acc[i]);
    if (_mm512_cvtss_f32(sum) == 12345.0f) std::puts("");
    return iters * 12.0 * 16 * 2 / s * 1e-9;
}
#endif

// ---- timing ------------------------------------------------------------------------
// Seconds per call, for `reps` back-to-back calls.
double time_calls(const std::function<void()>& fn, int reps) {
    const double t0 = clock_seconds();
    for (int r = 0; r < reps; ++r) fn();
    return (clock_seconds() - t0) / reps;
}

// Calls per sample so that one sample takes about `target` seconds.
int calibrate(const std::function<void()>& fn, double target) {
    fn();  // warm caches, pool threads and packing buffers
    const double per_call = time_calls(fn, 3);
    return std::max(1, int(target / per_call));
}

// g as a percentage of peak, or 0 when the peak is unknown (0).
double percent_of(double peak, double g) { return peak > 0 ? 100 * g / peak : 0.0; }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct Shape {
    const char* name;
    aet::Layout layout;
    int M, N, K;
};

// One table: our kernel (AET_GEMM_KERNEL, or the automatic choice) against the OpenBLAS
// core that OPENBLAS_CORETYPE forces (or OpenBLAS's own choice).
int measure_one() {
    const OpenBlas blas = load_openblas();
#if defined(__x86_64__) || defined(__i386__)
    const bool has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const bool has_avx512 = __builtin_cpu_supports("avx512f");
    const double peak2 = has_avx2 ? peak_avx2_gflops() : 0.0;
    const double peak512 = has_avx512 ? peak_avx512_gflops() : 0.0;
#else
    const bool has_avx512 = false;  // no peak probe off x86: "% peak" shows 0
    const double peak2 = 0.0, peak512 = 0.0;
#endif
    const std::string kernel = aet::gemm_kernel_name();
    // % peak is against the vectors our kernel uses; the portable kernel against AVX2's,
    // which is what the CPU could do.
    const double peak = kernel == "avx512" ? peak512 : peak2;
    std::printf("\n### ours: %s kernel   OpenBLAS core: %s%s\n", kernel.c_str(),
                blas.corename != nullptr ? blas.corename() : "?",
                std::getenv("OPENBLAS_CORETYPE") ? " (forced with OPENBLAS_CORETYPE)" : " (its own choice)");
    std::printf("%s\n", aet::gemm_describe().c_str());
    std::printf("single-core FMA peak: AVX2 %.1f GFLOP/s", peak2);
    if (has_avx512) std::printf(", AVX-512 %.1f GFLOP/s", peak512);
    std::printf("   (%% peak below is against %s x threads)\n", kernel == "avx512" ? "AVX-512" : "AVX2");
    std::printf("timed by %s\n\n", g_cpu_time ? "the thread's CPU clock (--cpu-time), 1 thread only" : "the wall clock");

    const Shape shapes[] = {
        {"NN 128x784 . 784x512", aet::Layout::NN, 128, 512, 784},
        {"NN 128x512 . 512x256", aet::Layout::NN, 128, 256, 512},
        {"TN (128x784)T . 128x512", aet::Layout::TN, 784, 512, 128},
        {"NT 128x512 . (784x512)T", aet::Layout::NT, 128, 784, 512},
        {"NN 256^3", aet::Layout::NN, 256, 256, 256},
        {"NN 512^3", aet::Layout::NN, 512, 512, 512},
        {"NN 1024^3", aet::Layout::NN, 1024, 1024, 1024},
    };
    // Many short samples, alternating, so that a neighbour's burst of load lands on both
    // libraries alike; each figure is the median of ~0.2 s of calls.
    constexpr int kSamples = 41;              // per library, per row
    constexpr double kSampleSeconds = 0.005;

    std::printf("| %-24s | thr | ours GF/s | %%peak | OpenBLAS GF/s | %%peak | ours/OpenBLAS |\n",
                "shape");
    std::printf("|%s|-----|-----------|-------|---------------|-------|---------------|\n",
                std::string(26, '-').c_str());
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (const Shape& s : shapes) {
        std::vector<float> A(size_t(s.M) * s.K), B(size_t(s.K) * s.N);
        std::vector<float> C_ours(size_t(s.M) * s.N), C_blas(C_ours.size());
        for (float& x : A) x = dist(rng);
        for (float& x : B) x = dist(rng);
        const bool ta = s.layout == aet::Layout::TN, tb = s.layout == aet::Layout::NT;
        const int lda = ta ? s.M : s.K, ldb = tb ? s.K : s.N;
        auto ours = [&] { aet::gemm(s.layout, s.M, s.N, s.K, A.data(), B.data(), C_ours.data(), false); };
        auto theirs = [&] {
            blas.sgemm(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, s.M, s.N, s.K,
                       1.0f, A.data(), lda, B.data(), ldb, 0.0f, C_blas.data(), s.N);
        };
        const double flops = 2.0 * s.M * s.N * s.K;
        for (int threads : {1, 2}) {
            if (g_cpu_time && threads > 1) continue;  // one thread's clock misses the pool's work
            aet::set_num_threads(threads);
            blas.set_threads(threads);
            const int reps_ours = calibrate(ours, kSampleSeconds);
            const int reps_blas = calibrate(theirs, kSampleSeconds);
            std::vector<double> t_ours, t_blas, ratios;
            for (int i = 0; i < kSamples; ++i) {
                // Alternate which library goes first (ABBA), so a drift in load is shared.
                // The pause lets each library's idle threads stop spinning before the
                // other runs.
                double ours_s = 0, blas_s = 0;
                for (int turn = 0; turn < 2; ++turn) {
                    if ((turn == 0) == (i % 2 == 0))
                        ours_s = time_calls(ours, reps_ours);
                    else
                        blas_s = time_calls(theirs, reps_blas);
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
                t_ours.push_back(ours_s);
                t_blas.push_back(blas_s);
                ratios.push_back(blas_s / ours_s);  // speed of ours relative to OpenBLAS
            }
            double max_diff = 0.0;
            for (size_t i = 0; i < C_ours.size(); ++i)
                max_diff = std::max(max_diff, double(std::fabs(C_ours[i] - C_blas[i])));
            if (max_diff > 1e-3) std::printf("!! results differ by %g\n", max_diff);
            const double g_ours = flops / median(t_ours) * 1e-9;
            const double g_blas = flops / median(t_blas) * 1e-9;
            std::printf("| %-24s | %3d | %9.1f | %4.0f%% | %13.1f | %4.0f%% | %12.2fx |\n",
                        s.name, threads, g_ours, percent_of(peak * threads, g_ours), g_blas,
                        percent_of(peak * threads, g_blas), median(ratios));
            std::fflush(stdout);
        }
    }
    return 0;
}

// Runs measure_one() in a child with our kernel and OpenBLAS's core forced.
int run_pair(const char* argv0, const char* kernel, const char* coretype) {
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        setenv("AET_GEMM_KERNEL", kernel, 1);
        if (coretype != nullptr) setenv("OPENBLAS_CORETYPE", coretype, 1);
        else unsetenv("OPENBLAS_CORETYPE");
        execl("/proc/self/exe", argv0, "--one", g_cpu_time ? "--cpu-time" : static_cast<char*>(nullptr),
              static_cast<char*>(nullptr));
        std::perror("exec /proc/self/exe");
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int main(int argc, char** argv) {
    bool one = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--one") one = true;
        else if (a == "--cpu-time") g_cpu_time = true;
        else {
            std::fprintf(stderr, "usage: %s [--one] [--cpu-time]\n", argv[0]);
            return 2;
        }
    }
    if (one) return measure_one();
    int failed = 0;
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_supports("avx512f")) failed |= run_pair(argv[0], "avx512", "SkylakeX");
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) failed |= run_pair(argv[0], "avx2", "Haswell");
#endif
    failed |= run_pair(argv[0], "auto", nullptr);
    return failed;
}
