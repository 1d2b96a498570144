// gemm_driver.cpp — the one GEMM driver: kernel choice, cache blocking, packing, threads.
//
// Every micro-kernel (micro_kernel.h) runs under this driver. The blocked product is the
// classic Goto/BLIS scheme:
//   for each column block of C         (nc columns)
//     for each depth block             (kc)
//       pack op(B)(kc, nc) into B panels of nr columns      (the block stays in L2)
//       for each row block of C        (mc rows)
//         pack op(A)(mc, kc) into A panels of mr rows       (a panel stays in L1)
//         for each A panel, for each B panel: the micro-kernel's tile of C
// Later depth blocks add to what the first wrote; that is the only place where blocking
// changes how a sum is rounded, so the depth blocks are fixed by K and the kernel alone
// (depth_block_size) and never by the thread count.
//
// Kernels, fastest first; the first this CPU supports is used unless one is forced with
// gemm_force_kernel() or the environment variable AET_GEMM_KERNEL (auto, avx512, avx2,
// portable on x86-64; auto, neon, portable on ARM64). This file is compiled for the
// baseline target: nothing compiled for AVX2 or AVX-512 runs before the CPU check.
//
// Threads: C is cut into one slice per thread, along N (a block of columns, all of A)
// or along M (a block of rows, all of B), whichever is longer, so that the operand every
// slice shares, and every thread packs for itself, is the smaller one. One exception: a
// short, deep NN product on two threads is cut along K (depth_split below), with a
// bit-identical result.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "autograd/gemm.h"
#include "autograd/kernels/cpu_features.h"
#include "autograd/kernels/flush_denormals.h"
#include "autograd/kernels/micro_kernel.h"
#include "autograd/kernels/pack_buffer.h"
#include "autograd/kernels/rows.h"
#include "autograd/thread_pool.h"

namespace aet {
namespace {

using kernels::MicroKernel;

bool always() { return true; }

struct KernelChoice {
  const MicroKernel* kernel;
  bool (*supported)();
  const char* needs;  // for the message when it is forced on a CPU without it
};

const KernelChoice kKernels[] = {
#if defined(__x86_64__)
    {&kernels::avx512_micro_kernel, kernels::cpu_has_avx512, "AVX-512 (avx512f/vl/bw/dq)"},
    {&kernels::avx2_micro_kernel, kernels::cpu_has_avx2_fma, "AVX2 and FMA"},
#elif defined(__aarch64__)
    {&kernels::neon_micro_kernel, always, "NEON"},
#endif
    {&kernels::portable_micro_kernel, always, "nothing"},
};

int ceil_div(int a, int b) { return (a + b - 1) / b; }
int round_up(int a, int b) { return ceil_div(a, b) * b; }

// K is cut into ceil(K / kc_max) equal blocks (784 = 262 + 261 + 261, not 384 + 384 +
// a sliver of 16).
int depth_blocks(int K, int kc_max) { return ceil_div(K, kc_max); }
int depth_block_size(int K, int kc_max) { return ceil_div(K, depth_blocks(K, kc_max)); }

// Slice edges fall on multiples of 16 columns (or of the tile height, for rows), so no
// slice gets an extra partial tile and vectors stay aligned.
constexpr int kSliceColumns = 16;
// Below this many flops (2*M*N*K) a product runs on one thread: waking a second thread
// and packing twice would cost more than the work it takes over (~10 us of work).
constexpr double kMinParallelFlops = 1.5e6;
// depth_split() serves products of at most this many rows and columns: C and its
// scratch partial sums stay in the caches (and the scratch buffer stays small).
constexpr int kDepthSplitMaxRows = 256;
constexpr int kDepthSplitMaxCols = 4096;

// ---- which kernel ------------------------------------------------------------------

const KernelChoice* find_kernel(const std::string& name, const char* who) {
  for (const KernelChoice& k : kKernels) {
    if (name != k.kernel->name) continue;
    if (!k.supported())
      throw std::invalid_argument(std::string(who) + ": kernel '" + name + "' needs " + k.needs +
                                  ", which this CPU does not support");
    return &k;
  }
  std::string known = "auto";
  for (const KernelChoice& k : kKernels) known += std::string(", ") + k.kernel->name;
  throw std::invalid_argument(std::string(who) + ": unknown kernel '" + name + "' (expected " +
                              known + ")");
}

// The fastest supported kernel, or the one AET_GEMM_KERNEL names.
const MicroKernel* default_kernel() {
  const char* env = std::getenv("AET_GEMM_KERNEL");
  if (env != nullptr && *env != '\0' && std::string(env) != "auto")
    return find_kernel(env, "AET_GEMM_KERNEL")->kernel;
  for (const KernelChoice& k : kKernels)
    if (k.supported()) return k.kernel;
  return &kernels::portable_micro_kernel;
}

std::atomic<const MicroKernel*> g_forced{nullptr};  // nullptr = the default

const MicroKernel& active_kernel() {
  static const MicroKernel* const chosen = default_kernel();
  const MicroKernel* forced = g_forced.load(std::memory_order_acquire);
  return forced != nullptr ? *forced : *chosen;
}

// ---- the blocked product, on one thread ---------------------------------------------

// Columns per block. The packed B block (kc × nc floats) is streamed once per A panel,
// so it need not fit in L2: a wide block saves re-packing op(A) (a transposing copy, for
// NN) once per column block. Measured on Zen 3 (512 KiB L2, 32 MiB L3), blocks sized to
// half the L2 (160 columns at kc = 384) ran NN 128x784·784x512 at 0.75× OpenBLAS,
// 768-column blocks (1.2 MB, streamed from L3) at 0.85× (bench/RESULTS.md, round 5).
// So the block gets a quarter of the L3 (the L2 where there is no L3), at most the
// kernel's nc_max, a multiple of the tile width. Unlike kc, nc does not change how any
// sum is rounded, so results do not depend on the cache.
int column_block(const MicroKernel& mk, int kc) {
  const kernels::CacheSizes& caches = kernels::cpu_caches();
  const size_t budget = std::max(caches.l3 / 4, caches.l2 / 2);
  const int fit = int(budget / (size_t(kc) * sizeof(float))) / mk.nr * mk.nr;
  return std::clamp(fit, mk.nr, mk.nc_max);
}

// One packing buffer per thread and operand, reused: a training step does not allocate.
thread_local kernels::PackBuffer t_pack_a, t_pack_b;

// Packs op(A)(mc, kc) into A panels of mr rows. A points at op(A)(0, 0).
void pack_a_block(const MicroKernel& mk, Layout layout, const float* A, int lda, int mc, int kc,
                  float* dst) {
  for (int i = 0; i < mc; i += mk.mr, dst += size_t(kc) * mk.mr) {
    const float* panel = layout == Layout::TN ? A + i : A + size_t(i) * lda;
    mk.pack_a(layout, panel, lda, std::min(mk.mr, mc - i), kc, dst);
  }
}

// Whole B panels of NR columns when op(B)'s rows are stored rows (NN, TN): the panel
// layout (micro_kernel.h) makes this a plain copy, done depth by depth across all panels
// so that B is read front to back. Panel by panel, each read is a 64-byte strip of a
// row 2 KB from the last: on Zen 3, packing took 13 % of NN 128x784·784x512 that way
// and takes 5 % this way, and the product went from 84 to 90 GFLOP/s on one thread
// (perf, 2026-12-02). Returns false for a width it was not built for.
template <int NR>
void copy_panels(const float* B, int ldb, int panels, int kc, float* dst) {
  for (int k = 0; k < kc; ++k) {
    const float* row = B + size_t(k) * ldb;
    for (int p = 0; p < panels; ++p) std::memcpy(dst + (size_t(p) * kc + k) * NR, row + p * NR, NR * sizeof(float));
  }
}

bool pack_b_rows(int nr, const float* B, int ldb, int panels, int kc, float* dst) {
  switch (nr) {  // the widths of the four kernels
    case 8: copy_panels<8>(B, ldb, panels, kc, dst); return true;
    case 12: copy_panels<12>(B, ldb, panels, kc, dst); return true;
    case 16: copy_panels<16>(B, ldb, panels, kc, dst); return true;
    case 48: copy_panels<48>(B, ldb, panels, kc, dst); return true;
    default: return false;
  }
}

// Packs op(B)(kc, nc) into B panels of nr columns (the last one narrower).
void pack_b_block(const MicroKernel& mk, Layout layout, const float* B, int ldb, int nc, int kc,
                  float* dst) {
  if (layout != Layout::NT) {
    const int whole = nc / mk.nr;  // full panels, packed in one front-to-back pass over B
    if (pack_b_rows(mk.nr, B, ldb, whole, kc, dst)) {
      const int j = whole * mk.nr;
      if (j < nc) mk.pack_b(layout, B + j, ldb, nc - j, kc, round_up(nc - j, mk.vec), dst + size_t(j) * kc);
      return;
    }
  }
  for (int j = 0; j < nc; j += mk.nr) {
    const int cols = std::min(mk.nr, nc - j), width = round_up(cols, mk.vec);
    const float* panel = layout == Layout::NT ? B + size_t(j) * ldb : B + j;
    mk.pack_b(layout, panel, ldb, cols, kc, width, dst);
    dst += size_t(kc) * width;
  }
}

// C(M,N) [+]= op(A)·op(B) on the calling thread, with explicit row strides (in floats)
// so a caller can hand it a slice of C.
void gemm_blocked(const MicroKernel& mk, Layout layout, int M, int N, int K, const float* A,
                  int lda, const float* B, int ldb, float* C, int ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate)
      for (int i = 0; i < M; ++i) std::fill_n(C + size_t(i) * ldc, N, 0.0f);
    return;
  }
  const int kc_step = depth_block_size(K, mk.kc_max);
  const int nc_max = column_block(mk, kc_step);
  const int nc_step = round_up(ceil_div(N, ceil_div(N, nc_max)), mk.vec);
  const int mc_step = round_up(ceil_div(M, ceil_div(M, mk.mc_max)), mk.mr);
  float* a_pack = t_pack_a.get(size_t(std::min(round_up(M, mk.mr), mc_step)) * kc_step);
  float* b_pack = t_pack_b.get(size_t(round_up(std::min(N, nc_step), mk.vec)) * kc_step);

  for (int jc = 0; jc < N; jc += nc_step) {
    const int nc = std::min(nc_step, N - jc);
    for (int pc = 0; pc < K; pc += kc_step) {
      const int kc = std::min(kc_step, K - pc);
      const bool add = accumulate || pc > 0;  // later depth blocks add to the first
      pack_b_block(mk, layout, layout == Layout::NT ? B + size_t(jc) * ldb + pc : B + size_t(pc) * ldb + jc,
                   ldb, nc, kc, b_pack);
      for (int ic = 0; ic < M; ic += mc_step) {
        const int mc = std::min(mc_step, M - ic);
        pack_a_block(mk, layout, layout == Layout::TN ? A + size_t(pc) * lda + ic : A + size_t(ic) * lda + pc,
                     lda, mc, kc, a_pack);
        for (int ir = 0; ir < mc; ir += mk.mr) {
          const float* b_panel = b_pack;
          for (int jr = 0; jr < nc; jr += mk.nr) {
            const int n = std::min(mk.nr, nc - jr);
            mk.tile(kc, a_pack + size_t(ir) * kc, b_panel, C + size_t(ic + ir) * ldc + jc + jr, ldc, add,
                    std::min(mk.mr, mc - ir), n);
            b_panel += size_t(kc) * round_up(n, mk.vec);
          }
        }
      }
    }
  }
}

// The epilogue of gemm_bias on a block of C (rows × cols, row stride ldc): C += bias on
// every row, then C = max(0, C) if relu. Each thread runs it on its own slice right after
// computing it, while the slice is still in cache.
void bias_relu(float* C, int ldc, int rows, int cols, const float* bias, bool relu) {
  for (int r = 0; r < rows; ++r) {
    float* c = C + size_t(r) * ldc;
    if (bias != nullptr) kernels::add_row(c, bias, size_t(cols));
    if (relu) kernels::relu_row(c, size_t(cols));
  }
}

struct Epilogue {
  bool on = false;
  const float* bias = nullptr;
  bool relu = false;
};

// Two threads on a short, deep NN product (a batch of <= 256 rows times a weight matrix
// whose K is cut into 2 or 3 depth blocks, e.g. 400 = 200 + 200, 784 = 262 + 261 + 261):
// split the depth instead of the columns. Cut by columns, each thread packs (transposes)
// the whole batch matrix and reads a column strip of every row of the weights. Cut by
// depth, each packs only its part of A and reads whole rows of B.
//   thread 0: block 0 straight into C (as one thread would, with `accumulate`)
//   thread 1: block 1 into the scratch matrix P1
//   block 2, if any, into P2: columns split between the two threads
// then C += P1, C += P2 (row halves on the two threads) and the epilogue. The blocks are
// the ones gemm_blocked uses, each computed as one block, and the micro-kernel adds a
// later block's register sum to C with one float add, as add_row does: the result is
// bit-identical to one thread's. Measured: VAE training step 3-4 % faster on 2 threads
// (bench/RESULTS.md, round 3).
void depth_split(const MicroKernel& mk, int M, int N, int K, const float* A, int lda, const float* B,
                 int ldb, float* C, int ldc, bool accumulate, const Epilogue& ep) {
  const int blocks = depth_blocks(K, mk.kc_max);  // 2 or 3
  const int step = depth_block_size(K, mk.kc_max);
  static thread_local kernels::PackBuffer scratch;  // the caller's: it waits for both tasks
  float* P = scratch.get(size_t(blocks - 1) * M * N);
  auto partial = [&](int b) { return P + size_t(b - 1) * M * N; };  // P_b, b >= 1: (M,N)
  // Depth block b (b >= 1 into P_b), columns [j0, j1) of the product.
  auto block = [&](int b, int j0, int j1) {
    const int k0 = b * step, kb = std::min(K, k0 + step) - k0;
    if (j1 <= j0 || kb <= 0) return;
    float* out = b == 0 ? C + j0 : partial(b) + j0;
    gemm_blocked(mk, Layout::NN, M, j1 - j0, kb, A + k0, lda, B + size_t(k0) * ldb + j0, ldb, out,
                 b == 0 ? ldc : N, b == 0 && accumulate);
  };
  const int half = N / 32 * 16;  // columns of block 2 for thread 0, a multiple of 16
  parallel_for(2, [&](int t) {
    FlushDenormals ftz;
    block(t, 0, N);
    if (blocks == 3) block(2, t == 0 ? 0 : half, t == 0 ? half : N);
  });
  parallel_for(2, [&](int t) {
    FlushDenormals ftz;  // as inside the kernel, where one thread would do these adds
    const int r0 = M * t / 2, r1 = M * (t + 1) / 2;
    for (int b = 1; b < blocks; ++b)
      for (int r = r0; r < r1; ++r)
        kernels::add_row(C + size_t(r) * ldc, partial(b) + size_t(r) * N, size_t(N));
    if (ep.on) bias_relu(C + size_t(r0) * ldc, ldc, r1 - r0, N, ep.bias, ep.relu);
  });
}

void gemm_threaded(Layout layout, int M, int N, int K, const float* A, const float* B, float* C,
                   bool accumulate, const Epilogue& ep) {
  if (M < 0 || N < 0 || K < 0)
    throw std::invalid_argument("gemm: negative size M=" + std::to_string(M) + " N=" + std::to_string(N) +
                                " K=" + std::to_string(K));
  if (M == 0 || N == 0) return;
  const MicroKernel& mk = active_kernel();
  // Row strides of the stored matrices (gemm.h has the layouts).
  const int lda = layout == Layout::TN ? M : K;
  const int ldb = layout == Layout::NT ? K : N;
  const int ldc = N;

  const bool split_n = N >= M;
  const int align = split_n ? kSliceColumns : mk.mr;
  const int units = ceil_div(split_n ? N : M, align);  // tiles along the cut side
  int slices = 2.0 * M * N * K < kMinParallelFlops ? 1 : num_threads();
  slices = std::min(slices, units);
  if (slices <= 1) {
    FlushDenormals ftz;
    gemm_blocked(mk, layout, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
    if (ep.on) bias_relu(C, ldc, M, N, ep.bias, ep.relu);
    return;
  }
  const int blocks = depth_blocks(K, mk.kc_max);
  if (layout == Layout::NN && slices == 2 && (blocks == 2 || blocks == 3) && M <= kDepthSplitMaxRows &&
      N <= kDepthSplitMaxCols)
    return depth_split(mk, M, N, K, A, lda, B, ldb, C, ldc, accumulate, ep);
  parallel_for(slices, [&](int t) {
    FlushDenormals ftz;  // per thread: see flush_denormals.h
    // Slice t covers tiles [units*t/slices, units*(t+1)/slices) of the cut side.
    const int lo = int(long(units) * t / slices) * align;
    const int hi = std::min(int(long(units) * (t + 1) / slices) * align, split_n ? N : M);
    if (split_n) {  // columns [lo, hi) of C and of op(B)
      const float* b = layout == Layout::NT ? B + size_t(lo) * ldb : B + lo;
      gemm_blocked(mk, layout, M, hi - lo, K, A, lda, b, ldb, C + lo, ldc, accumulate);
      if (ep.on) bias_relu(C + lo, ldc, M, hi - lo, ep.bias ? ep.bias + lo : nullptr, ep.relu);
    } else {  // rows [lo, hi) of C and of op(A)
      const float* a = layout == Layout::TN ? A + lo : A + size_t(lo) * lda;
      gemm_blocked(mk, layout, hi - lo, N, K, a, lda, B, ldb, C + size_t(lo) * ldc, ldc, accumulate);
      if (ep.on) bias_relu(C + size_t(lo) * ldc, ldc, hi - lo, N, ep.bias, ep.relu);
    }
  });
}

}  // namespace

void gemm(Layout layout, int M, int N, int K, const float* A, const float* B, float* C, bool accumulate) {
  gemm_threaded(layout, M, N, K, A, B, C, accumulate, Epilogue{});
}

void gemm_bias(int M, int N, int K, const float* A, const float* B, const float* bias, bool relu, float* C) {
  gemm_threaded(Layout::NN, M, N, K, A, B, C, false, Epilogue{true, bias, relu});
}

const char* gemm_kernel_name() { return active_kernel().name; }

std::string gemm_describe() {
  const MicroKernel& mk = active_kernel();
  const kernels::CacheSizes& c = kernels::cpu_caches();
  return std::string(mk.name) + " kernel, tile " + std::to_string(mk.mr) + "x" + std::to_string(mk.nr) +
         ", depth blocks <= " + std::to_string(mk.kc_max) + ", column blocks <= " +
         std::to_string(column_block(mk, mk.kc_max)) + " at that depth (L1d " + std::to_string(c.l1d / 1024) +
         " KiB, L2 " + std::to_string(c.l2 / 1024) + " KiB, L3 " + std::to_string(c.l3 / 1024) + " KiB, from " +
         c.source + ")";
}

void gemm_force_kernel(const char* name) {
  const std::string wanted = name == nullptr ? "" : name;
  if (wanted == "auto") return g_forced.store(nullptr, std::memory_order_release);
  g_forced.store(find_kernel(wanted, "gemm_force_kernel")->kernel, std::memory_order_release);
}

}  // namespace aet
