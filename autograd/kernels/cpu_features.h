// cpu_features.h — what the CPU we run on can do, asked once, in one place.
//
// The fast kernels are compiled for instruction sets the baseline build does not assume
// (AVX2, AVX-512); they may only run after one of these checks says yes. On a CPU of
// another architecture every x86 check is false.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace aet::kernels {

bool cpu_has_avx2_fma();  // AVX2 and FMA
bool cpu_has_avx512();    // AVX-512 F, VL, BW and DQ (with AVX2 and FMA)

// The data caches of one core, in bytes, read once: from sysfs on Linux
// (/sys/devices/system/cpu/cpu0/cache), sysctl on macOS; where those say nothing (some
// virtual machines have no cache folder in sysfs) from the x86 cpuid instruction; else
// typical sizes. The GEMM driver sizes its column blocks from l2 and l3 (gemm_driver.cpp).
struct CacheSizes {
  size_t l1d = 32 * 1024;
  size_t l2 = 512 * 1024;
  size_t l3 = 0;                 // 0 when none was found
  const char* source = "defaults";
};
const CacheSizes& cpu_caches();

// What cpuid(leaf, subleaf) returns.
struct CpuidRegs {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};
// The caches as cpuid describes them, asked through `cpuid` (the instruction itself, or a
// table in the tests): the deterministic cache leaves (4 on Intel, 0x8000001D on AMD),
// then AMD's older size leaves 0x80000005/6. source is "cpuid", or "defaults" with the
// default sizes when no leaf names an L2.
CacheSizes caches_from_cpuid(const std::function<CpuidRegs(uint32_t leaf, uint32_t subleaf)>& cpuid);

}  // namespace aet::kernels
