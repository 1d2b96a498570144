// cpu_features.cpp — see cpu_features.h. Compiled for the baseline target.
#include "autograd/kernels/cpu_features.h"

#include <cstdint>
#include <fstream>
#include <string>

#if defined(__APPLE__)
#include <sys/sysctl.h>
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
#endif
  return c;
}

}  // namespace

const CacheSizes& cpu_caches() {
  static const CacheSizes caches = detect_caches();
  return caches;
}

}  // namespace aet::kernels
