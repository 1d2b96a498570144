// test_doctor.cpp — tools/doctor (make doctor) runs, prints every row of its report, and
// names the fix for a missing piece. `make test` builds it beside the tutorials.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "autograd/gemm.h"
#include "autograd/kernels/cpu_features.h"
#include "tutorials/common/plot.h"

namespace fs = std::filesystem;

namespace {

// build/tools/doctor, or the one beside the sanitized tutorials (AET_TUTORIAL_BIN_DIR).
fs::path doctor_bin() {
  const char* env = std::getenv("AET_TUTORIAL_BIN_DIR");
  const fs::path tutorials = env && *env ? fs::path(env) : fs::path("build/tutorials");
  return tutorials.parent_path() / "tools" / "doctor";
}

struct Output {
  int exit_code;
  std::string text;
};

// The doctor's command: directly, or through AET_TUTORIAL_LAUNCHER (qemu-aarch64 for the
// cross-built suite) with the launcher's program made absolute, as a test below runs it
// with a PATH that holds nothing.
std::string launch(const fs::path& bin) {
  const char* env = std::getenv("AET_TUTORIAL_LAUNCHER");
  if (env == nullptr || *env == '\0') return bin.string();
  std::string launcher = env;
  const std::string program = launcher.substr(0, launcher.find(' '));
  const std::string full = aet::find_on_path(program);
  if (!full.empty()) launcher = full + launcher.substr(program.size());
  return launcher + " " + bin.string();
}

Output run_doctor(const std::string& env, const std::string& args) {
  const fs::path log = fs::temp_directory_path() / ("aet_doctor_" + std::to_string(::getpid()) + ".log");
  const std::string cmd = env + " " + launch(doctor_bin()) + " " + args + " > " + log.string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove(log);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("doctor: one screen naming the OS, compiler, library, CPU, kernel, threads, data and gnuplot") {
  REQUIRE_MESSAGE(fs::exists(doctor_bin()), doctor_bin().string() << " is not built (make test builds it)");
  const Output r = run_doctor("", "--seconds 0.05");
  INFO(r.text);
  CHECK(r.exit_code == 0);
  for (const char* row : {"\n  OS ", "\n  compiler ", "\n  C++ library ", "\n  CPU ", "\n  SIMD ", "\n  caches ", "\n  threads ",
                          "\n  GEMM ", "\n  data ", "\n  gnuplot "})
    CHECK_MESSAGE(has(r.text, row), "no row" << row);
  // The test binary and the doctor are built alike, so they pick the same kernel.
  CHECK(has(r.text, std::string("kernel '") + aet::gemm_kernel_name() + "': "));
  CHECK(has(r.text, " GFLOP/s on 1 thread"));
  CHECK(has(r.text, "agrees with the naive reference"));
  CHECK(has(r.text, std::string("(from ") + aet::kernels::cpu_caches().source + ";"));
}

TEST_CASE("doctor: a missing data folder and a missing gnuplot each get the command that fixes them") {
  REQUIRE(fs::exists(doctor_bin()));
  // PATH without gnuplot (the doctor itself is started by its full path).
  const Output r = run_doctor("PATH=/nonexistent_aet_dir", "--seconds 0.01 --data /nonexistent_aet_dir/data");
  INFO(r.text);
  CHECK(r.exit_code == 0);
  CHECK(has(r.text, "/nonexistent_aet_dir/data (from --data): no such folder"));
  CHECK(has(r.text, "gnuplot     not found on PATH"));
  CHECK(has(r.text, "\nto fix:\n"));
  CHECK(has(r.text, "  - data: put the four Fashion-MNIST .gz files in /nonexistent_aet_dir/data or pass --data DIR"));
  CHECK(has(r.text, "  - gnuplot: "));
  if (fs::exists("/etc/debian_version")) CHECK(has(r.text, "  - gnuplot: sudo apt-get install gnuplot-nox"));

  const Output bad = run_doctor("", "--seconds 0");
  CHECK(bad.exit_code != 0);
  CHECK(has(bad.text, "Run with --help for more information."));
}
