// fuzz_checkpoint.cpp — libFuzzer target for the checkpoint loader.
//
// Reads the input as a checkpoint and, if it parses, loads it into a small model
// and an Adam optimizer. Every input must end in success or a std::exception with
// a message — never a crash, a hang, a leak or a sanitizer report.
#include <cstdint>
#include <exception>
#include <string>

#include "nn/checkpoint.h"
#include "nn/layers.h"
#include "nn/optim.h"
#include "tests/fuzz/scratch_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = write_scratch_file("ckpt", data, size);
  if (path.empty()) return 0;
  try {
    aet::Checkpoint ck = aet::read_checkpoint(path);
    aet::Rng rng(1);
    aet::MLP net({3, 4, 2}, aet::ReLU, rng);
    aet::Adam adam(net.parameters());
    try {
      aet::load_parameters(ck, net.parameters(), path, /*ignore_extra=*/true);
    } catch (const std::exception&) {
    }
    try {
      aet::restore_optimizer_state(ck, adam);
    } catch (const std::exception&) {
    }
    try {
      aet::restore_rng_state(ck, "rng", rng);
    } catch (const std::exception&) {
    }
  } catch (const std::exception&) {
  }
  return 0;
}
