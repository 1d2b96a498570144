// cpu_features.cpp — see cpu_features.h. Compiled for the baseline target.
#include "autograd/kernels/cpu_features.h"

#include <cstdint>
#include <fstream>
#include <string>

#if defined(__APPLE__)
#include <sys/sysctl.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace aet::kernels {

#if defined(__x86_64__) || defined(__i386__)
bool cpu_has_avx2_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

bool cpu_has_avx512() {
  static const bool has = cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512dq");
  return has;
}
#else
bool cpu_has_avx2_fma() { return false; }
bool cpu_has_avx512() { return false; }
#endif

}  // namespace aet::kernels

namespace aet::kernels {
namespace {

// "48K", "2048K", "32M" (sysfs) in bytes; 0 if unreadable.
size_t parse_size(const std::string& text) {
  size_t i = 0, n = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') n = n * 10 + size_t(text[i++] - '0');
  if (i == 0) return 0;
  if (i < text.size() && (text[i] == 'K' || text[i] == 'k')) return n * 1024;
  if (i < text.size() && (text[i] == 'M' || text[i] == 'm')) return n * 1024 * 1024;
  return n;
}

std::string read_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

CacheSizes detect_caches() {
  CacheSizes c;
#if defined(__APPLE__)
  auto get = [](const char* name) -> size_t {
    int64_t v = 0;
    size_t len = sizeof v;
    return sysctlbyname(name, &v, &len, nullptr, 0) == 0 && v > 0 ? size_t(v) : 0;
  };
  const size_t l1 = get("hw.l1dcachesize"), l2 = get("hw.l2cachesize"), l3 = get("hw.l3cachesize");
  if (l1 && l2) c = {l1, l2, l3, "sysctl"};
#else
  bool found_l2 = false;
  for (int index = 0; index < 8; ++index) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
    const std::string level = read_line(dir + "level"), type = read_line(dir + "type");
    const size_t size = parse_size(read_line(dir + "size"));
    if (level.empty() || size == 0 || type == "Instruction") continue;
    if (level == "1") c.l1d = size;
    if (level == "2") c.l2 = size, found_l2 = true;
    if (level == "3") c.l3 = size;
  }
  if (found_l2) c.source = "sysfs";
#if defined(__x86_64__) || defined(__i386__)
  if (!found_l2)
    c = caches_from_cpuid([](uint32_t leaf, uint32_t subleaf) {
      CpuidRegs r;
      __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
      return r;
    });
#endif
#endif
  return c;
}

}  // namespace

CacheSizes caches_from_cpuid(const std::function<CpuidRegs(uint32_t leaf, uint32_t subleaf)>& cpuid) {
  CacheSizes c;
  bool found_l1d = false, found_l2 = false, found_l3 = false;
  // A deterministic cache leaf lists one cache per subleaf until a type of 0: eax[4:0] the
  // type (1 data, 2 instruction, 3 unified), eax[7:5] the level; the size is ways ×
  // partitions × line size × sets, each stored minus one (ebx[31:22], ebx[21:12],
  // ebx[11:0], ecx). Intel's leaf 4 and AMD's 0x8000001D share this layout.
  auto read_leaf = [&](uint32_t leaf) {
    for (uint32_t sub = 0; sub < 16; ++sub) {
      const CpuidRegs r = cpuid(leaf, sub);
      const uint32_t type = r.eax & 31, level = (r.eax >> 5) & 7;
      if (type == 0) break;
      if (type == 2) continue;
      const size_t size = size_t((r.ebx >> 22) + 1) * (((r.ebx >> 12) & 1023) + 1) * ((r.ebx & 4095) + 1) *
                          (size_t(r.ecx) + 1);
      if (level == 1) c.l1d = size, found_l1d = true;
      if (level == 2) c.l2 = size, found_l2 = true;
      if (level == 3) c.l3 = size, found_l3 = true;
    }
  };
  const uint32_t max_basic = cpuid(0, 0).eax, max_extended = cpuid(0x80000000u, 0).eax;
  if (max_basic >= 4) read_leaf(4);
  if (!found_l2 && max_extended >= 0x8000001Du) read_leaf(0x8000001Du);
  // The size leaves (some hypervisors fill these and leave 0x8000001D empty): L2 in KiB in
  // 0x80000006 ecx[31:16] (AMD and Intel), L3 in units of 512 KiB in 0x80000006 edx[31:18]
  // and L1d in KiB in 0x80000005 ecx[31:24] (AMD only: Intel leaves those zero). What a
  // deterministic leaf already gave is kept.
  if (!found_l2 && max_extended >= 0x80000006u) {
    const CpuidRegs sizes = cpuid(0x80000006u, 0);
    if (const size_t l2 = size_t(sizes.ecx >> 16) * 1024; l2 > 0) {
      c.l2 = l2, found_l2 = true;
      if (!found_l3) c.l3 = size_t(sizes.edx >> 18) * 512 * 1024;
      const size_t l1d = size_t(cpuid(0x80000005u, 0).ecx >> 24) * 1024;
      if (!found_l1d && l1d > 0) c.l1d = l1d;
    }
  }
  if (!found_l2) return CacheSizes{};
  c.source = "cpuid";
  return c;
}

const CacheSizes& cpu_caches() {
  static const CacheSizes caches = detect_caches();
  return caches;
}

}  // namespace aet::kernels
