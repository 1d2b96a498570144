// test_gemm.cpp — every fast gemm kernel against gemm_naive, plus the thread pool.
//
// Sizes are chosen to hit every edge of the blocking: 1 (degenerate), 7/9/15/17
// (either side of the 8- and 16-wide vectors), 33/65/129 (partial micro-tiles after
// full ones), and K large enough to need more than one depth block.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <iterator>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/gemm.h"
#include "autograd/kernels/cpu_features.h"
#include "autograd/thread_pool.h"

using namespace aet;

namespace {

struct Shape {
    int M, N, K;
};

// A mix of awkward sizes rather than the full cube, to keep the test quick.
const Shape kShapes[] = {
    {1, 1, 1},     {1, 17, 9},    {3, 7, 15},    {7, 8, 9},     {8, 9, 7},
    {9, 15, 17},   {15, 33, 8},   {17, 16, 65},  {33, 65, 3},   {65, 129, 33},
    {129, 65, 17}, {7, 129, 129}, {129, 9, 65},  {33, 17, 129}, {16, 48, 400},
    {50, 100, 800}, {97, 1000, 5}, {1, 300, 1},  {300, 1, 7},   {24, 96, 1},
};

const char* const kLayoutNames[] = {"NN", "TN", "NT"};

std::vector<float> random_matrix(size_t n, std::mt19937& rng) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

// Number of entries of `got` that differ from the reference `want` by more than the
// float rounding bound. A float sum of K products has error at most about
// (K+1) * 2^-24 * (sum_k |a_ik||b_kj| + |C0_ij|) (the classic bound for recursive
// summation; blocked sums usually do far better). gemm_naive sums in double, so it is
// the exact value to within one final rounding; we allow twice the bound.
int count_mismatches(Layout layout, const Shape& s, const std::vector<float>& A,
                     const std::vector<float>& B, const std::vector<float>& C0,
                     const std::vector<float>& got, const std::vector<float>& want,
                     bool accumulate) {
    int bad = 0;
    for (int i = 0; i < s.M; ++i)
        for (int j = 0; j < s.N; ++j) {
            double abs_sum = 0.0;
            for (int k = 0; k < s.K; ++k) {
                const float a = layout == Layout::TN ? A[size_t(k) * s.M + i] : A[size_t(i) * s.K + k];
                const float b = layout == Layout::NT ? B[size_t(j) * s.K + k] : B[size_t(k) * s.N + j];
                abs_sum += std::fabs(double(a) * b);
            }
            const size_t at = size_t(i) * s.N + j;
            if (accumulate) abs_sum += std::fabs(C0[at]);
            const double tol = 2.0 * (s.K + 1) * std::ldexp(1.0, -24) * abs_sum;
            if (std::fabs(double(got[at]) - want[at]) > tol && bad++ == 0) {
                INFO("kernel=" << std::string(gemm_kernel_name()) << " layout=" << std::string(kLayoutNames[int(layout)])
                               << " M=" << s.M << " N=" << s.N << " K=" << s.K
                               << " accumulate=" << accumulate << " first bad entry (" << i
                               << "," << j << ")");
                CHECK(got[at] == doctest::Approx(want[at]));
            }
        }
    return bad;
}

// Checks gemm (with whatever kernel is forced) against gemm_naive on every shape,
// layout and accumulate mode.
void check_against_naive(const Shape* shapes, size_t n_shapes) {
    std::mt19937 rng(1234);
    for (size_t n = 0; n < n_shapes; ++n) {
        const Shape& s = shapes[n];
        for (Layout layout : {Layout::NN, Layout::TN, Layout::NT}) {
            for (bool accumulate : {false, true}) {
                const auto A = random_matrix(size_t(s.M) * s.K, rng);
                const auto B = random_matrix(size_t(s.K) * s.N, rng);
                const auto C0 = random_matrix(size_t(s.M) * s.N, rng);
                std::vector<float> want = C0, got = C0;
                gemm_naive(layout, s.M, s.N, s.K, A.data(), B.data(), want.data(), accumulate);
                gemm(layout, s.M, s.N, s.K, A.data(), B.data(), got.data(), accumulate);
                CHECK(count_mismatches(layout, s, A, B, C0, got, want, accumulate) == 0);
            }
        }
    }
}

// Runs check_against_naive for one kernel at 1 and 2 threads (or skips it).
void check_kernel(const char* name) {
    try {
        gemm_force_kernel(name);
    } catch (const std::invalid_argument& e) {
        MESSAGE("skipping kernel " << std::string(name) << ": " << std::string(e.what()));
        return;
    }
    CHECK(std::string(gemm_kernel_name()) == name);
    const int saved = num_threads();
    for (int threads : {1, 2}) {
        set_num_threads(threads);
        CAPTURE(threads);
        check_against_naive(kShapes, std::size(kShapes));
    }
    set_num_threads(saved);
    gemm_force_kernel("auto");
}

}  // namespace

TEST_CASE("gemm portable kernel matches gemm_naive") { check_kernel("portable"); }
TEST_CASE("gemm avx2 kernel matches gemm_naive") { check_kernel("avx2"); }
TEST_CASE("gemm avx512 kernel matches gemm_naive") { check_kernel("avx512"); }
TEST_CASE("gemm neon kernel matches gemm_naive") { check_kernel("neon"); }

TEST_CASE("gemm on large shapes with several threads matches gemm_naive") {
    // Big enough that gemm() really splits C over the threads (by columns, then by rows)
    // and that the kernels use more than one depth and column block.
    const Shape big[] = {{128, 800, 800}, {300, 64, 400}};
    const int saved = num_threads();
    set_num_threads(3);
    check_against_naive(big, std::size(big));
    set_num_threads(saved);
}

TEST_CASE("gemm handles empty sizes and rejects negative ones") {
    std::vector<float> C(6, 5.0f);
    const float A[1] = {1.0f}, B[1] = {1.0f};
    gemm(Layout::NN, 2, 3, 0, A, B, C.data(), true);  // K = 0, accumulate: C unchanged
    for (float c : C) CHECK(c == 5.0f);
    gemm(Layout::NN, 2, 3, 0, A, B, C.data(), false);  // K = 0, overwrite: C = 0
    for (float c : C) CHECK(c == 0.0f);
    gemm(Layout::NT, 0, 3, 4, A, B, C.data(), false);  // nothing to do
    CHECK_THROWS_WITH_AS(gemm(Layout::NN, -1, 3, 4, A, B, C.data(), false),
                         doctest::Contains("negative size M=-1"), std::invalid_argument);
    CHECK_THROWS_AS(gemm_naive(Layout::NN, 1, 1, -2, A, B, C.data(), false),
                    std::invalid_argument);
}

TEST_CASE("gemm_force_kernel rejects unknown kernels and names them") {
    CHECK_THROWS_WITH_AS(gemm_force_kernel("cuda"),
                         doctest::Contains("unknown kernel 'cuda'"), std::invalid_argument);
    gemm_force_kernel("portable");
    CHECK(std::string(gemm_kernel_name()) == "portable");
    gemm_force_kernel("auto");
    CHECK(std::string(gemm_kernel_name()) != "");
#if defined(__x86_64__)
    if (!kernels::cpu_has_avx512()) {
        CHECK_THROWS_WITH_AS(gemm_force_kernel("avx512"),
                             doctest::Contains("this CPU does not support"),
                             std::invalid_argument);
    }
    CHECK_THROWS_WITH_AS(gemm_force_kernel("neon"), doctest::Contains("unknown kernel 'neon'"),
                         std::invalid_argument);
#else
    CHECK_THROWS_WITH_AS(gemm_force_kernel("avx512"), doctest::Contains("unknown kernel 'avx512'"),
                         std::invalid_argument);
#endif
}

namespace {
// A CPU described by a table of cpuid answers; leaves it does not list answer zeros.
struct FakeCpuid {
    std::map<std::pair<uint32_t, uint32_t>, kernels::CpuidRegs> table;
    kernels::CpuidRegs operator()(uint32_t leaf, uint32_t subleaf) const {
        const auto it = table.find({leaf, subleaf});
        return it == table.end() ? kernels::CpuidRegs{} : it->second;
    }
};

// caches_from_cpuid(cpu) gives these sizes, read from cpuid (or the defaults, said so).
void check_caches(const FakeCpuid& cpu, size_t l1d, size_t l2, size_t l3, const char* source) {
    const kernels::CacheSizes c = kernels::caches_from_cpuid(cpu);
    CHECK(c.l1d == l1d);
    CHECK(c.l2 == l2);
    CHECK(c.l3 == l3);
    CHECK(std::string(c.source) == source);
}

// One subleaf of a deterministic cache leaf (4 or 0x8000001D): each field is stored minus one.
kernels::CpuidRegs cache_leaf(uint32_t type, uint32_t level, uint32_t ways, uint32_t line, uint32_t sets,
                              uint32_t partitions = 1) {
    return {type | level << 5, (ways - 1) << 22 | (partitions - 1) << 12 | (line - 1), sets - 1, 0};
}
}  // namespace

TEST_CASE("caches_from_cpuid reads Intel's leaf 4, AMD's 0x8000001D and AMD's size leaves") {
    SUBCASE("Intel: leaf 4 lists L1d, L1i, L2 and L3") {
        FakeCpuid intel;
        intel.table[{0, 0}] = {0x20, 0, 0, 0};
        intel.table[{0x80000000u, 0}] = {0x80000008u, 0, 0, 0};
        intel.table[{4, 0}] = cache_leaf(1, 1, 12, 64, 64);      // 48 KiB data
        intel.table[{4, 1}] = cache_leaf(2, 1, 8, 64, 64);       // 32 KiB instruction: not a data cache
        intel.table[{4, 2}] = cache_leaf(3, 2, 16, 64, 1024, 2); // 2 MiB unified, in 2 partitions
        intel.table[{4, 3}] = cache_leaf(3, 3, 15, 64, 32768);   // 30 MiB unified
        check_caches(intel, 48 * 1024, 2048 * 1024, 30 * 1024 * 1024, "cpuid");
    }
    SUBCASE("AMD: leaf 4 empty, 0x8000001D lists the caches") {
        FakeCpuid zen;
        zen.table[{0, 0}] = {0x10, 0, 0, 0};
        zen.table[{0x80000000u, 0}] = {0x80000021u, 0, 0, 0};
        zen.table[{0x8000001Du, 0}] = cache_leaf(1, 1, 12, 64, 64);     // 48 KiB
        zen.table[{0x8000001Du, 1}] = cache_leaf(2, 1, 8, 64, 64);
        zen.table[{0x8000001Du, 2}] = cache_leaf(3, 2, 16, 64, 1024);   // 1 MiB
        zen.table[{0x8000001Du, 3}] = cache_leaf(3, 3, 16, 64, 32768);  // 32 MiB
        zen.table[{0x80000006u, 0}] = {0, 0, 512u << 16, 0};          // ignored: 0x8000001D answered
        check_caches(zen, 48 * 1024, 1024 * 1024, 32 * 1024 * 1024, "cpuid");
    }
    SUBCASE("AMD under a hypervisor that fills only 0x80000005/6 (a Zen 5 guest seen here)") {
        FakeCpuid guest;
        guest.table[{0, 0}] = {0x0D, 0, 0, 0};
        guest.table[{0x80000000u, 0}] = {0x80000021u, 0, 0, 0};
        guest.table[{0x80000005u, 0}] = {0, 0, 48u << 24 | 12u << 16 | 64u, 0};
        guest.table[{0x80000006u, 0}] = {0, 0, 1024u << 16 | 0x6140u, 64u << 18};  // 1 MiB L2, 32 MiB L3
        check_caches(guest, 48 * 1024, 1024 * 1024, 32 * 1024 * 1024, "cpuid");
    }
    SUBCASE("Intel under a hypervisor with leaf 4 empty: the L2 from 0x80000006, no L3 named") {
        FakeCpuid guest;
        guest.table[{0, 0}] = {0x16, 0, 0, 0};
        guest.table[{0x80000000u, 0}] = {0x80000008u, 0, 0, 0};
        guest.table[{0x80000006u, 0}] = {0, 0, 2048u << 16 | 0x7040u, 0};
        const kernels::CacheSizes defaults;
        check_caches(guest, defaults.l1d, 2048 * 1024, 0, "cpuid");
    }
    SUBCASE("no leaf names an L2: the defaults, said so") {
        FakeCpuid bare;
        bare.table[{0, 0}] = {0x0D, 0, 0, 0};
        bare.table[{4, 0}] = cache_leaf(1, 1, 12, 64, 64);  // an L1 alone is not enough to go on
        const kernels::CacheSizes defaults;
        check_caches(bare, defaults.l1d, defaults.l2, defaults.l3, "defaults");
    }
}

TEST_CASE("thread_pool parallel_for runs every task exactly once") {
    const int saved = num_threads();
    for (int threads : {1, 2, 4}) {
        set_num_threads(threads);
        CHECK(num_threads() == threads);
        for (int n : {0, 1, 2, 3, 17, 1000}) {
            std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
            for (int rep = 0; rep < 3; ++rep) parallel_for(n, [&](int i) { hits[size_t(i)]++; });
            for (int i = 0; i < n; ++i) CHECK(hits[size_t(i)].load() == 3);
        }
    }
    set_num_threads(saved);
}

TEST_CASE("thread_pool nested parallel_for and exceptions") {
    const int saved = num_threads();
    set_num_threads(2);
    std::atomic<int> total{0};
    parallel_for(4, [&](int) { parallel_for(5, [&](int) { total++; }); });
    CHECK(total.load() == 20);
    CHECK_THROWS_WITH_AS(parallel_for(8,
                                      [](int i) {
                                          if (i == 5) throw std::runtime_error("task 5 failed");
                                      }),
                         "task 5 failed", std::runtime_error);
    set_num_threads(saved);
}

TEST_CASE("thread_pool set_num_threads rejects counts below one") {
    CHECK_THROWS_WITH_AS(set_num_threads(0), doctest::Contains("must be >= 1, got 0"),
                         std::invalid_argument);
    CHECK_THROWS_AS(set_num_threads(-3), std::invalid_argument);
}

TEST_CASE("depth-split products on 2 threads are bit-identical to 1 thread, every kernel") {
    // NN, at most 256 rows, K cut by the kernel into 2 or 3 depth blocks (kc_max 384 for
    // avx512/avx2: K in (384, 1152]; 256 for portable and neon: K in (256, 768]): gemm() then
    // splits K over the two threads (depth_split in gemm_driver.cpp). Odd K, so that a split point off
    // by one from the kernel's own block edge changes the rounding; N = 20 gives thread 0
    // no columns of the third block; M = 300 takes the column split, for comparison.
    const Shape shapes[] = {{128, 400, 401}, {128, 784, 767}, {128, 400, 785}, {37, 129, 1001},
                            {128, 20, 785},  {1, 2000, 385},  {64, 96, 601},  {300, 64, 777}};
    const int saved = num_threads();
    std::mt19937 rng(99);
    for (const char* name : {"portable", "avx2", "avx512", "neon"}) {
        try {
            gemm_force_kernel(name);
        } catch (const std::invalid_argument&) {
            continue;  // this CPU lacks it; the other kernels still run
        }
        for (const Shape& s : shapes)
            for (bool accumulate : {false, true}) {
                const std::string kernel = name;
                CAPTURE(kernel);
                CAPTURE(s.M);
                CAPTURE(s.K);
                CAPTURE(accumulate);
                const auto A = random_matrix(size_t(s.M) * s.K, rng);
                const auto B = random_matrix(size_t(s.K) * s.N, rng);
                const auto C0 = random_matrix(size_t(s.M) * s.N, rng);
                const auto bias = random_matrix(size_t(s.N), rng);
                std::vector<float> one = C0, two = C0, want = C0, bias_one(C0.size()), bias_two(C0.size());
                set_num_threads(1);
                gemm(Layout::NN, s.M, s.N, s.K, A.data(), B.data(), one.data(), accumulate);
                gemm_bias(s.M, s.N, s.K, A.data(), B.data(), bias.data(), true, bias_one.data());
                set_num_threads(2);
                gemm(Layout::NN, s.M, s.N, s.K, A.data(), B.data(), two.data(), accumulate);
                gemm_bias(s.M, s.N, s.K, A.data(), B.data(), bias.data(), true, bias_two.data());
                CHECK(one == two);
                CHECK(bias_one == bias_two);
                gemm_naive(Layout::NN, s.M, s.N, s.K, A.data(), B.data(), want.data(), accumulate);
                CHECK(count_mismatches(Layout::NN, s, A, B, C0, two, want, accumulate) == 0);
            }
    }
    gemm_force_kernel("auto");
    set_num_threads(saved);
}
