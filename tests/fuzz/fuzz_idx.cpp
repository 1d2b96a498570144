// fuzz_idx.cpp — libFuzzer target for the IDX reader (raw and gzip).
//
// Every input must end in a parsed array or a std::exception with a message — never
// a crash, a hang, a leak or a sanitizer report. `make fuzz` runs it; a crash it
// finds becomes a regression test in tests/test_datasets.cpp.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include "datasets/idx.h"

static std::string scratch_path() {
  static const std::string path = "/tmp/aet_fuzz_idx_" + std::to_string(::getpid());
  return path;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = scratch_path();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    aet::IdxArray a = aet::read_idx(path);
    (void)a;
  } catch (const std::exception&) {
  }
  try {
    (void)aet::read_idx_images(path);
  } catch (const std::exception&) {
  }
  try {
    (void)aet::read_idx_labels(path, 10);
  } catch (const std::exception&) {
  }
  return 0;
}
