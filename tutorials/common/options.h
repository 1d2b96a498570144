// options.h — the command-line flags of the tutorials: the ones every tutorial shares,
//
//   --epochs N   --seed S   --threads T   --data DIR   --dataset NAME   --size S   --out DIR   --smoke
//
// and each tutorial's own, declared on a Flags object:
//
//   Flags flags("Tutorial 4: train a variational autoencoder on Fashion-MNIST");
//   add_common_flags(flags, opt);
//   flags.add("--latent", latent, "code size Z", range(1, 784));
//   flags.parse(argc, argv);
//
// Bad values (negative epochs, zero threads, an unknown flag) are answered with a
// one-line error, the hint to run --help and a non-zero exit code; --help prints the
// usage and exits with 0. The parser is CLI11; only options.cpp includes it, because its
// header alone takes several seconds to compile and every tutorial would pay that again
// after each edit of its main.cpp.
#pragma once
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "autograd/thread_pool.h"  // num_threads(), which the tutorials print

namespace CLI {
class App;
}

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

// The values a flag accepts: [min, max], or (min, max] when min itself is excluded.
struct Check {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_excluded = false;
};
inline Check range(double min, double max) { return {min, max, false}; }
inline Check positive() { return {0.0, std::numeric_limits<double>::infinity(), true}; }
inline Check non_negative() { return {0.0, std::numeric_limits<double>::infinity(), false}; }

// A program's flags. The variables passed to add() keep their values as defaults (shown
// by --help) and receive what the command line says when parse() runs.
class Flags {
 public:
  explicit Flags(const std::string& description);
  ~Flags();
  Flags(const Flags&) = delete;
  Flags& operator=(const Flags&) = delete;

  void add(const std::string& name, int& value, const std::string& help, Check check = {});
  void add(const std::string& name, float& value, const std::string& help, Check check = {});
  void add(const std::string& name, std::vector<int>& values, const std::string& help, Check check = {});
  void add(const std::string& name, std::string& value, const std::string& help);
  void add_switch(const std::string& name, bool& value, const std::string& help);  // present: true

  // Reads argv into the variables. On --help, or on a bad or unknown flag, prints the
  // usage or the error and ends the program (exit code 0 for --help, non-zero otherwise).
  void parse(int argc, char** argv);

  CLI::App& app() { return *app_; }  // for add_common_flags (options.cpp)

 private:
  std::unique_ptr<CLI::App> app_;
};

void add_common_flags(Flags& flags, CommonOptions& o);

// After parsing: apply --threads and create --out (throws naming the directory).
void apply_common_flags(const CommonOptions& o);

}  // namespace aet
