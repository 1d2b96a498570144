// fuzz_checkpoint.cpp — libFuzzer target for the checkpoint loader.
//
// Reads the input as a checkpoint and, if it parses, loads it into a small model
// and an Adam optimizer. Every input must end in success or a std::exception with
// a message — never a crash, a hang, a leak or a sanitizer report.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include "nn/checkpoint.h"
#include "nn/layers.h"
#include "nn/optim.h"

static std::string scratch_path() {
  static const std::string path = "/tmp/aet_fuzz_ckpt_" + std::to_string(::getpid());
  return path;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = scratch_path();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
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
