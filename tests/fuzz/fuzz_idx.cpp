// fuzz_idx.cpp — libFuzzer target for the IDX reader (raw and gzip).
//
// Every input must end in a parsed array or a std::exception with a message — never
// a crash, a hang, a leak or a sanitizer report. `make fuzz` runs it; a crash it
// finds becomes a regression test in tests/test_datasets.cpp.
#include <cstdint>
#include <exception>
#include <string>

#include "datasets/idx.h"
#include "tests/fuzz/scratch_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = write_scratch_file("idx", data, size);
  if (path.empty()) return 0;
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
