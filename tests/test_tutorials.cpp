// test_tutorials.cpp — every tutorial runs end to end in --smoke mode (a small
// subset, one short epoch), so none can silently rot. `make test` builds them first.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// The files each tutorial must write into --out.
const std::map<std::string, std::vector<std::string>> kExpected = {
    {"00-autograd", {"mlp_tape.dot"}},
    {"01-what-is-an-autoencoder", {"reconstructions.png", "loss_curve.png", "loss_curve.csv", "autoencoder_z10.ckpt",
                                   "training_state.ckpt"}},
    {"02-dimension-reduction-and-clustering", {"latent_by_class.png", "latent_by_cluster.png", "clustering.csv"}},
    {"03-transfer-learning", {}},
    {"04-variational-autoencoder", {"reconstructions.png", "samples.png", "interpolation.png", "loss_curve.png",
                                    "vae_z20.ckpt", "training_state.ckpt"}},
    {"05-conditional-vae", {"samples_by_class.png", "style_transfer.png", "reconstructions.png", "loss_curve.png",
                            "cvae_z20.ckpt", "training_state.ckpt"}},
};

// Where the tutorial binaries are: build/tutorials, or the sanitized ones for test-asan.
fs::path tutorial_bin_dir() {
  const char* env = std::getenv("AET_TUTORIAL_BIN_DIR");
  return env && *env ? fs::path(env) : fs::path("build/tutorials");
}

// How to start one: directly, or through AET_TUTORIAL_LAUNCHER (e.g. qemu-aarch64 for the
// cross-built ARM64 suite: there is no binfmt_misc to start foreign binaries by themselves).
std::string launch(const fs::path& bin) {
  const char* env = std::getenv("AET_TUTORIAL_LAUNCHER");
  return env && *env ? std::string(env) + " " + bin.string() : bin.string();
}

struct Run {
  int exit_code;
  std::string output;
};

Run run(const std::string& cmd) {
  const fs::path log = fs::temp_directory_path() / ("aet_tutorial_" + std::to_string(::getpid()) + ".log");
  const int status = std::system((cmd + " > " + log.string() + " 2>&1").c_str());
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove(log);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

}  // namespace

TEST_CASE("every tutorial runs in smoke mode and writes its outputs") {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator("tutorials"))
    if (e.is_directory() && e.path().filename().string()[0] != 'c') names.push_back(e.path().filename().string());
  REQUIRE_FALSE(names.empty());
  for (const std::string& name : names) {
    SUBCASE(name.c_str()) {
      const fs::path bin = tutorial_bin_dir() / name;
      REQUIRE_MESSAGE(fs::exists(bin), bin.string() << " is not built (make test builds every tutorial)");
      const fs::path out = fs::temp_directory_path() / ("aet_smoke_" + name + "_" + std::to_string(::getpid()));
      fs::remove_all(out);
      Run r = run(launch(bin) + " --smoke --threads 2 --out " + out.string());
      CHECK_MESSAGE(r.exit_code == 0, name << " exited with " << r.exit_code << ":\n" << r.output);
      auto it = kExpected.find(name);
      REQUIRE_MESSAGE(it != kExpected.end(), "add " << name << " to kExpected in tests/test_tutorials.cpp");
      for (const std::string& f : it->second) CHECK_MESSAGE(fs::exists(out / f), name << " did not write " << f);
      fs::remove_all(out);
    }
  }
}

TEST_CASE("tutorials answer bad flags with a usage line and a non-zero exit") {
  const fs::path bin_path = tutorial_bin_dir() / "01-what-is-an-autoencoder";
  REQUIRE(fs::exists(bin_path));
  const std::string bin = launch(bin_path);
  for (const char* flags : {"--epochs -1", "--latent 0", "--threads 0", "--batch 0", "--no-such-flag"}) {
    Run r = run(bin + " " + flags);
    CHECK_MESSAGE(r.exit_code != 0, flags);
    CHECK_MESSAGE(r.output.find("Run with --help for more information.") != std::string::npos, flags << ": " << r.output);
  }
  Run r = run(bin + " --smoke --data /nonexistent/dir --out " + (fs::temp_directory_path() / "aet_baddata").string());
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("/nonexistent/dir") != std::string::npos);
  CHECK(r.output.find("dataset-fashion-mnist") != std::string::npos);
  fs::remove_all(fs::temp_directory_path() / "aet_baddata");
  Run unwritable = run(bin + " --smoke --out /dev/null/out");
  CHECK(unwritable.exit_code == 1);
  CHECK(unwritable.output.find("cannot create output directory '/dev/null/out'") != std::string::npos);
}

TEST_CASE("AET_GEMM_KERNEL forces a kernel for a whole run, and a bad name stops with a message") {
  const fs::path bin = tutorial_bin_dir() / "00-autograd";
  REQUIRE(fs::exists(bin));
  Run bad = run("AET_GEMM_KERNEL=cuda " + launch(bin));
  CHECK(bad.exit_code != 0);
  CHECK_MESSAGE(bad.output.find("AET_GEMM_KERNEL: unknown kernel 'cuda'") != std::string::npos, bad.output);
  Run portable = run("AET_GEMM_KERNEL=portable " + launch(bin));
  CHECK_MESSAGE(portable.exit_code == 0, portable.output);
}
