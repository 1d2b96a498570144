// options.h — the command-line flags every tutorial shares, parsed with CLI11.
//
//   --epochs N   --seed S   --threads T   --data DIR   --dataset NAME   --size S   --out DIR   --smoke
//
// Bad values (negative epochs, zero threads, an unknown flag) are answered by the
// parser with a one-line error and the usage, and a non-zero exit code.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <string>

#include "autograd/thread_pool.h"

namespace aet {

struct CommonOptions {
  int epochs = 0;        // set per tutorial before add_common_flags
  uint64_t seed = 42;
  int threads = 0;       // 0: AET_THREADS or all cores
  std::string data;      // empty: AET_DATA, /usr/share/datasets/fashion-mnist or the download cache
  std::string dataset = "fashion-mnist";  // or "mnist"; see datasets/data_source.h
  int size = 0;          // > 0: resample an image folder's pictures to size×size
  std::string out;       // set per tutorial
  bool smoke = false;    // a tiny run on a small subset, for the test suite
};

inline void add_common_flags(CLI::App& app, CommonOptions& o) {
  app.add_option("--epochs", o.epochs, "training epochs")->check(CLI::Range(1, 10000))->capture_default_str();
  app.add_option("--seed", o.seed, "random seed (initialisation, shuffling, sampling)")->capture_default_str();
  app.add_option("--threads", o.threads, "worker threads (default: AET_THREADS or all cores)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--data", o.data,
                 "folder of the four IDX files, or of images in one subfolder per class (default: AET_DATA, "
                 "the Debian package's, or the download cache)");
  app.add_option("--dataset", o.dataset, "fashion-mnist or mnist (downloaded into the cache when not found)")
      ->check(CLI::IsMember({"fashion-mnist", "mnist"}))
      ->capture_default_str();
  app.add_option("--size", o.size, "with --data DIR of images: resample every image to SIZE×SIZE")
      ->check(CLI::Range(1, 1024));
  app.add_option("--out", o.out, "directory for pictures, CSVs and checkpoints")->capture_default_str();
  app.add_flag("--smoke", o.smoke, "tiny run on a small subset (used by the test suite)");
}

// After parsing: apply --threads and create --out (throws naming the directory).
inline void apply_common_flags(const CommonOptions& o) {
  if (o.threads > 0) set_num_threads(o.threads);
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (ec || !std::filesystem::is_directory(o.out))
    throw std::runtime_error("cannot create output directory '" + o.out + "': " +
                             (ec ? ec.message() : std::string("exists and is not a directory")));
}

}  // namespace aet
