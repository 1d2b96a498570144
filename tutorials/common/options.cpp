// options.cpp — Flags on top of CLI11 (see options.h). The one file that includes CLI11.
#include "tutorials/common/options.h"

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "autograd/thread_pool.h"

namespace aet {
namespace {

// The bound as the flag's own type, so --help says "INT in [1 - 784]", not "1.000000".
template <typename T>
std::string bound_text(double v) {
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  return CLI::detail::to_string(T(v));
}

// A CLI11 validator for a Check on values of type T (CLI::Range cannot exclude its
// minimum, which "--lr must be positive" needs).
template <typename T>
CLI::Validator validator(const Check& check) {
  const std::string text = std::string(check.min_excluded ? "(" : "[") + bound_text<T>(check.min) + " - " +
                           bound_text<T>(check.max) + "]";
  return CLI::Validator(
      [check, text](std::string& input) -> std::string {
        T value{};
        if (!CLI::detail::lexical_cast(input, value)) return "Value " + input + " could not be converted";
        const double v = double(value);
        const bool low = check.min_excluded ? v <= check.min : v < check.min;
        if (low || v > check.max) return "Value " + input + " not in range " + text;
        return std::string();
      },
      std::string(CLI::detail::type_name<T>()) + " in " + text);
}

bool unchecked(const Check& c) { return std::isinf(c.min) && std::isinf(c.max); }

}  // namespace

Flags::Flags(const std::string& description) : app_(std::make_unique<CLI::App>(description)) {}
Flags::~Flags() = default;

void Flags::add(const std::string& name, int& value, const std::string& help, Check check) {
  CLI::Option* opt = app_->add_option(name, value, help)->capture_default_str();
  if (!unchecked(check)) opt->check(validator<int>(check));
}

void Flags::add(const std::string& name, float& value, const std::string& help, Check check) {
  CLI::Option* opt = app_->add_option(name, value, help)->capture_default_str();
  if (!unchecked(check)) opt->check(validator<float>(check));
}

void Flags::add(const std::string& name, std::vector<int>& values, const std::string& help, Check check) {
  CLI::Option* opt = app_->add_option(name, values, help)->capture_default_str();
  if (!unchecked(check)) opt->check(validator<int>(check));
}

void Flags::add(const std::string& name, std::string& value, const std::string& help) {
  app_->add_option(name, value, help)->capture_default_str();
}

void Flags::add_switch(const std::string& name, bool& value, const std::string& help) {
  app_->add_flag(name, value, help);
}

void Flags::parse(int argc, char** argv) {
  try {
    app_->parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app_->exit(e));  // --help: the usage and 0; otherwise the error, the hint, non-zero
  }
}

void add_common_flags(Flags& flags, CommonOptions& o) {
  CLI::App& app = flags.app();
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

void apply_common_flags(const CommonOptions& o) {
  if (o.threads > 0) set_num_threads(o.threads);
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (ec || !std::filesystem::is_directory(o.out))
    throw std::runtime_error("cannot create output directory '" + o.out + "': " +
                             (ec ? ec.message() : std::string("exists and is not a directory")));
}

}  // namespace aet
