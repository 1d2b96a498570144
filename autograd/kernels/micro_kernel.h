// micro_kernel.h — what one instruction set contributes to the matrix product.
//
// The GEMM driver (gemm_driver.cpp) is written once: it cuts C into cache blocks, packs
// the operands into panels, runs the thread and depth splits and calls a micro-kernel
// for every mr × (up to nr) tile of C. A micro-kernel file (gemm_portable.cpp,
// gemm_avx2.cpp, gemm_avx512.cpp, gemm_neon.cpp) holds only what depends on the instruction set: how a
// panel is packed and how one tile is computed. Adding an instruction set means writing
// one such file and adding one line to the driver's table.
//
// Packed panels (the BLIS layout, "k-major"):
//   A panel: mr rows of op(A) over kc depth steps, dst[k*mr + i] = op(A)(i, k)
//   B panel: `width` columns of op(B) (width = nr, or fewer rounded up to `vec` for the
//            last panel of a block), dst[k*width + j] = op(B)(k, j)
// Rows and columns past the edge of op(A)/op(B) are packed as zeros, so a tile always
// runs its full length; it writes only the m × n part of C that exists.
#pragma once

#include "autograd/gemm.h"

namespace aet::kernels {

struct MicroKernel {
  const char* name;  // what gemm_kernel_name() reports
  int mr;            // rows of a tile (height of an A panel)
  int nr;            // columns of a full tile (width of a full B panel)
  int vec;           // a narrower last B panel is rounded up to a multiple of this
  int kc_max;        // largest depth block: the A panel (kc*mr floats) stays in L1
  int mc_max;        // largest row block: bounds the packed A buffer
  int nc_max;        // largest column block (the driver takes fewer when L2 is small)

  // Packs rows [0, rows) of op(A) (rows <= mr) at depths [0, kc) into one A panel.
  // A points at op(A)(0, 0); its row stride is lda in the layout's stored form.
  void (*pack_a)(Layout layout, const float* A, int lda, int rows, int kc, float* dst);
  // Packs columns [0, cols) of op(B) (cols <= width) at depths [0, kc) into one B panel
  // `width` wide. B points at op(B)(0, 0).
  void (*pack_b)(Layout layout, const float* B, int ldb, int cols, int kc, int width, float* dst);
  // C(m, n) (+)= a·b over kc steps: a is an A panel, b a B panel of width
  // round_up(n, vec); m <= mr and n <= nr are the part of the tile inside C.
  void (*tile)(int kc, const float* a, const float* b, float* c, int ldc, bool accumulate, int m,
               int n);
};

// The micro-kernels, each defined in its own file and compiled only for its architecture
// (the Makefile picks *_avx2/*_avx512 on x86-64, *_neon on aarch64). The portable one
// runs on any CPU; the driver checks the CPU before it uses the x86 ones.
extern const MicroKernel portable_micro_kernel;  // gemm_portable.cpp
extern const MicroKernel avx2_micro_kernel;      // gemm_avx2.cpp (AVX2 + FMA)
extern const MicroKernel avx512_micro_kernel;    // gemm_avx512.cpp (AVX-512 F/VL/BW/DQ)
extern const MicroKernel neon_micro_kernel;      // gemm_neon.cpp (every ARM64 CPU)

}  // namespace aet::kernels
