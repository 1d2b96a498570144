// test_tutorials.cpp — every tutorial runs end to end in --smoke mode (a small
// subset, one short epoch), so none can silently rot, and prints figures that show it
// learned; tutorial 0, which is deterministic and quick, is compared line for line with
// its golden output. `make test` builds them first.
#include <doctest/doctest.h>

#include "models/vae.h"
#include "tutorials/common/evaluate.h"
#include "tutorials/common/picks.h"
#include "tutorials/common/vae_latent.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "datasets/data_source.h"
#include "tests/loopback_server.h"
#include "tests/scoped_env.h"
#include "tests/temp_dir.h"

#include "tutorials/common/image_grid.h"

namespace fs = std::filesystem;
using aet::testing::ScopedEnv;
using aet::testing::TempDir;
using namespace aet;

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
    {"06-convolutional-autoencoders", {"reconstructions.png", "samples_mlp_cvae.png", "samples_conv_cvae.png",
                                       "filters.png"}},
    {"07-latent-explorer", {"vae.ckpt", "cvae.ckpt", "codes.json", "test_images.u8"}},
};

// A figure a smoke run must print, inside a range that an untrained or broken run misses:
// the first group of `pattern` is read as a number. The ranges are loose on purpose (a
// different kernel or summation order moves the digits, not the learning).
struct SmokeFigure {
  const char* what;
  const char* pattern;
  double lo, hi;
};

// 512 training images and one epoch for tutorials 1, 4, 5; see each main.cpp for --smoke.
const std::map<std::string, std::vector<SmokeFigure>> kSmokeFigures = {
    {"00-autograd", {{"dL/da by backward", R"(after backward\(L\):  dL/da = (\S+))", 6, 6},
                     {"the MLP's loss after 20 steps", R"(\n\s+20\s+(\S+)\s+\S+)", 0.0, 0.55}}},
    // An untrained decoder (sigmoid ≈ 0.5 everywhere) scores about 0.2.
    {"01-what-is-an-autoencoder", {{"parameters", R"(\| (\d+) parameters)", 1072410, 1072410},
                                   {"final test MSE", R"(final test MSE (\S+) per pixel)", 0.0, 0.15}}},
    // K-Means is scored against 10 classes: chance is about 0.1.
    {"02-dimension-reduction-and-clustering", {{"raw pixels ACC", R"(\nraw pixels\s+784\s+(\S+))", 0.3, 1.0},
                                               {"PCA(10) ACC", R"(\nPCA\s+10\s+(\S+))", 0.3, 1.0}}},
    {"03-transfer-learning", {{"ceiling accuracy", R"(ceiling: all 2000 labels, from scratch\s+(\S+))", 0.5, 1.0}}},
    // 784·ln 2 = 543.4 nats is what a decoder that outputs 0.5 for every pixel costs.
    {"04-variational-autoencoder", {{"final test loss", R"(final test loss (\S+) nats)", 100, 530},
                                    {"active dimensions", R"(active dimensions \(KL > 0.1 nats\): (\d+) of 20)", 1, 20},
                                    {"-L_5000", R"(\n\s+5000\s+(\S+))", 100, 530}}},
    {"05-conditional-vae", {{"final test loss", R"(final test loss (\S+) nats)", 100, 530},
                            {"judge accuracy", R"(test accuracy (\S+) on the 256 real test images)", 0.4, 1.0}}},
    // Table rows: name, parameters, test MSE, test nats/image, ...; 543.4 nats as for tutorial 4.
    {"06-convolutional-autoencoders",
     {{"conv VAE parameters", R"(\n  conv VAE\s+(\d+) parameters)", 265833, 265833},
      {"conv VAE test nats", R"(\nconv VAE\s+\d+\s+[\d.]+\s+([\d.]+))", 100, 540},
      {"conv CVAE test nats", R"(\nconv CVAE\s+\d+\s+[\d.]+\s+([\d.]+))", 100, 540},
      {"judge accuracy", R"(accuracy (\S+) on the 256 real test images)", 0.4, 1.0}}},
    {"07-latent-explorer", {{"VAE test loss", R"(test loss: VAE (\S+),)", 100, 530},
                            {"CVAE test loss", R"(, CVAE (\S+) nats per image)", 100, 530}}},
};

// Tutorial folders are numbered (NN-name); tutorials/common holds their shared helpers.
bool is_tutorial_dir(const fs::directory_entry& e) {
  const std::string name = e.path().filename().string();
  return e.is_directory() && name.size() > 3 && std::isdigit(static_cast<unsigned char>(name[0])) &&
         std::isdigit(static_cast<unsigned char>(name[1])) && name[2] == '-';
}

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

// The command that runs tutorial `name` (through AET_TUTORIAL_LAUNCHER when set); stops the
// test case when the tutorial is not built.
std::string tutorial_command(const std::string& name) {
  const fs::path bin = tutorial_bin_dir() / name;
  REQUIRE_MESSAGE(fs::exists(bin), bin.string() << " is not built (make test builds every tutorial)");
  return launch(bin);
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

// Can the tutorials find Fashion-MNIST without downloading it (AET_DATA, Debian's folder or
// the cache)? The smoke runs never download: make test uses no network.
bool have_data() {
  try {
    aet::locate_data({.download = false});
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// The tutorials that load no data set.
bool needs_data(const std::string& name) { return name != "00-autograd"; }

// Tutorial 2's optional rows: in `now`, the row `added` (a regex for its label) comes right after
// the row `before`, its ACC is a number above chance, and `before`'s ACC and NMI read as they did
// in `earlier`, the run without the option.
void check_row_added(const std::string& now, const std::string& earlier, const std::string& before,
                     const std::string& added) {
  std::smatch m;
  REQUIRE_MESSAGE(std::regex_search(now, m, std::regex("\\n(" + before + R"( +[01]\.\d{3} +[01]\.\d{3}) [^\n]*\n)" +
                                                           added + R"( +([01]\.\d{3}) )")),
                  now);
  CHECK(std::stod(m[2].str()) > 0.1);
  CHECK_MESSAGE(earlier.find(m[1].str()) != std::string::npos, m[1].str());
}

}  // namespace

TEST_CASE("every tutorial runs in smoke mode and writes its outputs") {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator("tutorials"))
    if (is_tutorial_dir(e)) names.push_back(e.path().filename().string());
  REQUIRE(names.size() >= 6);
  for (const std::string& name : names) {
    SUBCASE(name.c_str()) {
      const fs::path bin = tutorial_bin_dir() / name;
      REQUIRE_MESSAGE(fs::exists(bin), bin.string() << " is not built (make test builds every tutorial)");
      const fs::path out = fs::temp_directory_path() / ("aet_smoke_" + name + "_" + std::to_string(::getpid()));
      fs::remove_all(out);
      // A machine without the data set is not a broken tutorial: skip, saying how to get it.
      if (needs_data(name) && !have_data()) {
        MESSAGE("skipped " << name << ": Fashion-MNIST is not here (make data, sudo apt-get install "
                           "dataset-fashion-mnist, or AET_DATA=DIR)");
        continue;
      }
      Run r = run(launch(bin) + " --smoke --threads 2 --out " + out.string());
      CHECK_MESSAGE(r.exit_code == 0, name << " exited with " << r.exit_code << ":\n" << r.output);
      auto it = kExpected.find(name);
      REQUIRE_MESSAGE(it != kExpected.end(), "add " << name << " to kExpected in tests/test_tutorials.cpp");
      for (const std::string& f : it->second) CHECK_MESSAGE(fs::exists(out / f), name << " did not write " << f);
      auto figures = kSmokeFigures.find(name);
      REQUIRE_MESSAGE(figures != kSmokeFigures.end(), "add " << name << " to kSmokeFigures in tests/test_tutorials.cpp");
      for (const SmokeFigure& f : figures->second) {
        std::smatch m;
        const bool found = std::regex_search(r.output, m, std::regex(f.pattern));
        CHECK_MESSAGE(found, name << " printed no " << f.what << " (/" << f.pattern << "/):\n" << r.output);
        if (!found) continue;
        const double value = std::stod(m[1].str());
        CHECK_MESSAGE((value >= f.lo && value <= f.hi),
                      name << ": " << f.what << " is " << value << ", expected " << f.lo << " .. " << f.hi << " in: "
                           << m[0].str());
      }
      fs::remove_all(out);
    }
  }
}

// Tutorial 0 is deterministic (fixed seed, full-batch training, 4-decimal output) and does
// not depend on the thread count: its whole default run is compared with the golden file.
// If a change to the ops moves a printed digit on purpose, regenerate the file with
//   build/tutorials/00-autograd --out OUT > tests/golden/00-autograd.txt  (then OUT -> <out>)
TEST_CASE("tutorial 0 prints exactly its golden output, on 1, 2 and 3 threads") {
  const std::string bin = tutorial_command("00-autograd");
  std::ifstream golden_file("tests/golden/00-autograd.txt");
  REQUIRE_MESSAGE(golden_file, "tests/golden/00-autograd.txt is missing");
  std::vector<std::string> golden;
  for (std::string line; std::getline(golden_file, line);) golden.push_back(line);
  REQUIRE(golden.size() > 20);
  const fs::path out = fs::temp_directory_path() / ("aet_golden_" + std::to_string(::getpid()));
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    Run r = run(bin + " --threads " + std::to_string(threads) + " --out " + out.string());
    REQUIRE(r.exit_code == 0);
    std::istringstream printed(std::regex_replace(r.output, std::regex(out.string()), "<out>"));
    std::vector<std::string> lines;
    for (std::string line; std::getline(printed, line);) lines.push_back(line);
    for (size_t i = 0; i < golden.size(); ++i)
      CHECK_MESSAGE((i < lines.size() && lines[i] == golden[i]),
                    "line " << i + 1 << "\n  golden:  " << golden[i] << "\n  printed: " << (i < lines.size() ? lines[i] : "(nothing)"));
    CHECK(lines.size() == golden.size());
  }
  fs::remove_all(out);
}

TEST_CASE("tutorials answer bad flags with a usage line and a non-zero exit") {
  const std::string bin = tutorial_command("01-what-is-an-autoencoder");
  for (const char* flags : {"--epochs -1", "--latent 0", "--threads 0", "--batch 0", "--no-such-flag", "--lr 0",
                            "--latent 2.5", "--lr abc"}) {
    Run r = run(bin + " " + flags);
    CHECK_MESSAGE(r.exit_code != 0, flags);
    CHECK_MESSAGE(r.output.find("Run with --help for more information.") != std::string::npos, flags << ": " << r.output);
  }
  // The message names the flag and the values it takes (tutorials/common/options.cpp).
  CHECK(run(bin + " --latent 0").output.find("--latent: Value 0 not in range [1 - 784]") != std::string::npos);
  CHECK(run(bin + " --lr 0").output.find("--lr: Value 0 not in range (0 - inf]") != std::string::npos);
  Run help = run(bin + " --help");
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("--latent INT:INT in [1 - 784]=10") != std::string::npos);
  Run r = run(bin + " --smoke --data /nonexistent/dir --out " + (fs::temp_directory_path() / "aet_baddata").string());
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("/nonexistent/dir") != std::string::npos);
  CHECK(r.output.find("dataset-fashion-mnist") != std::string::npos);
  fs::remove_all(fs::temp_directory_path() / "aet_baddata");
  Run sized = run(bin + " --smoke --size 28 --out " + (fs::temp_directory_path() / "aet_baddata").string());
  CHECK(sized.exit_code == 1);
  CHECK_MESSAGE(sized.output.find("--size resamples an image folder given with --data") != std::string::npos,
                sized.output);
  fs::remove_all(fs::temp_directory_path() / "aet_baddata");
  Run unwritable = run(bin + " --smoke --out /dev/null/out");
  CHECK(unwritable.exit_code == 1);
  CHECK(unwritable.output.find("cannot create output directory '/dev/null/out'") != std::string::npos);
}

TEST_CASE("tutorial 6 trains only the pairs --models names, with the CVAEs' β from --cvae-beta") {
  const std::string bin = tutorial_command("06-convolutional-autoencoders");
  TempDir out;
  Run bad = run(bin + " --smoke --models ae,gan --out " + out.path.string());
  CHECK(bad.exit_code == 1);
  CHECK_MESSAGE(bad.output.find("--models: unknown pair 'gan' in 'ae,gan'; use a comma list of ae, vae, cvae") !=
                    std::string::npos, bad.output);
  Run negative = run(bin + " --smoke --cvae-beta -1 --out " + out.path.string());
  CHECK(negative.exit_code != 0);
  if (!have_data()) return;
  Run r = run(bin + " --smoke --models cvae --cvae-beta 2 --out " + out.path.string());
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(r.output.find("\nconv CVAE ") != std::string::npos);
  CHECK(r.output.find("\nMLP CVAE (t5) ") != std::string::npos);
  CHECK(r.output.find("\nconv AE ") == std::string::npos);    // not trained, so not in the table
  CHECK(r.output.find("\nconv VAE ") == std::string::npos);
  CHECK(fs::exists(out.path / "samples_conv_cvae.png"));
  CHECK(!fs::exists(out.path / "filters.png"));             // the conv AE's, not trained
  CHECK(!fs::exists(out.path / "reconstructions.png"));     // the AEs' and VAEs'
}

TEST_CASE("tutorial 6 --conv-ae-hidden and --conv-ae-refine widen only the conv AE, and say so") {
  const std::string bin = tutorial_command("06-convolutional-autoencoders");
  TempDir out;
  Run bad = run(bin + " --smoke --conv-ae-hidden -1 --out " + out.path.string());
  CHECK(bad.exit_code != 0);
  if (!have_data()) return;
  Run plain = run(bin + " --smoke --models ae --out " + out.path.string());
  REQUIRE_MESSAGE(plain.exit_code == 0, plain.output);
  CHECK(plain.output.find("beyond Keras's recipe") == std::string::npos);
  Run wide = run(bin + " --smoke --models ae --conv-ae-hidden 16 --conv-ae-refine --out " + out.path.string());
  REQUIRE_MESSAGE(wide.exit_code == 0, wide.output);
  CHECK_MESSAGE(wide.output.find("conv AE beyond Keras's recipe: a dense ReLU layer of 16 on each side of z; "
                                 "Conv2d(64→64, 3x3, padding 1), ReLU after the first transposed conv;") !=
                    std::string::npos, wide.output);
  // 140 363 parameters in Keras's recipe; the options add 3136·16 + 16 + 16·10 + 10 in the encoder,
  // 10·16 + 16 + 16·3136 + 3136 in the decoder, 64·64·9 + 64 in the refine conv, and the
  // two dense layers next to z shrink from 3136·10 (+10) and 10·3136 (+3136).
  CHECK_MESSAGE(plain.output.find("  conv AE          140363 parameters") != std::string::npos, plain.output);
  const long wider = 140363L + (3136 * 16 + 16 + 16 * 10 + 10) + (10 * 16 + 16 + 16 * 3136 + 3136) + (64 * 64 * 9 + 64) -
                     (3136 * 10 + 10) - (10 * 3136 + 3136);
  char line[64];
  std::snprintf(line, sizeof line, "  %-14s %8ld parameters", "conv AE", wider);
  CHECK_MESSAGE(wide.output.find(line) != std::string::npos, wide.output);
  CHECK(wide.output.find("\nconv AE ") != std::string::npos);  // its row in the table
  const size_t row = plain.output.find("\nMLP AE (t1)     1072410");  // the table row, not the progress bar
  REQUIRE_MESSAGE(row != std::string::npos, plain.output);
  const std::string mlp_row = plain.output.substr(row, 60);
  CHECK_MESSAGE(wide.output.find(mlp_row) != std::string::npos, mlp_row);  // the MLP AE is untouched
}

TEST_CASE("AET_GEMM_KERNEL forces a kernel for a whole run, and a bad name stops with a message") {
  const std::string bin = tutorial_command("00-autograd");
  Run bad = run("AET_GEMM_KERNEL=cuda " + bin);
  CHECK(bad.exit_code != 0);
  CHECK_MESSAGE(bad.output.find("AET_GEMM_KERNEL: unknown kernel 'cuda'") != std::string::npos, bad.output);
  Run portable = run("AET_GEMM_KERNEL=portable " + bin);
  CHECK_MESSAGE(portable.exit_code == 0, portable.output);
}

TEST_CASE("a tutorial without the data says what it downloads, and stops on a bad checksum") {
  const std::string bin = tutorial_command("01-what-is-an-autoencoder");
  aet::testing::LoopbackServer server;  // 127.0.0.1 only: serves a wrong file for MNIST's first
  server.serve("/train-images-idx3-ubyte.gz", {std::string(1000, 'x')});
  TempDir cache;
  ScopedEnv xdg("XDG_CACHE_HOME", cache.path.c_str()), data("AET_DATA", nullptr),
      url("AET_DATA_URL", server.url().c_str()), proxy("http_proxy", nullptr), no_proxy("no_proxy", "127.0.0.1");
  Run r = run(bin + " --smoke --dataset mnist --out " + cache.file("out"));
  CHECK(r.exit_code == 1);
  const std::string dir = (cache.path / "aet" / "mnist").string();
  CHECK_MESSAGE(r.output.find("MNIST is not in the cache yet and neither --data nor AET_DATA is set: downloading its 4 "
                              "files (11 MB, once) from " + server.url() + " into " + dir) != std::string::npos,
                r.output);
  CHECK_MESSAGE(r.output.find("but torchvision's MNIST.resources publishes f68b3c2dcbeaaa9fbdd348bbdeb94873 for "
                              "train-images-idx3-ubyte.gz; the download was discarded") != std::string::npos,
                r.output);
  for (const auto& e : fs::directory_iterator(dir))  // nothing but the download lock
    CHECK(e.path().filename() == ".aet-download.lock");
  Run bad = run(bin + " --smoke --dataset cifar");
  CHECK(bad.exit_code != 0);
  CHECK(bad.output.find("--dataset") != std::string::npos);
}

TEST_CASE("a tutorial trains on a folder of the student's own pictures (--data DIR --size 28)") {
  const std::string bin = tutorial_command("01-what-is-an-autoencoder");
  // Three classes of 40×40 pictures, 8 each: vertical stripes, horizontal stripes, a disc.
  TempDir images;
  const char* classes[] = {"discs", "horizontal", "vertical"};
  for (int c = 0; c < 3; ++c) {
    fs::create_directories(images.path / classes[c]);
    for (int i = 0; i < 8; ++i) {
      std::vector<uint8_t> px(40 * 40);
      for (int y = 0; y < 40; ++y)
        for (int x = 0; x < 40; ++x) {
          const int r2 = (x - 20) * (x - 20) + (y - 20) * (y - 20);
          const bool ink = c == 0 ? r2 < (8 + i) * (8 + i) : c == 1 ? (y / (4 + i % 3)) % 2 == 0 : (x / (4 + i % 3)) % 2 == 0;
          px[y * 40 + x] = ink ? 255 : 0;
        }
      const std::string f = (images.path / classes[c] / ("img" + std::to_string(i) + ".png")).string();
      write_png(f, Image{40, 40, 1, px});
    }
  }
  TempDir out_dir;
  const std::string out = out_dir.file("out");
  Run r = run(bin + " --smoke --threads 2 --data " + images.path.string() + " --size 28 --out " + out);
  CHECK_MESSAGE(r.exit_code == 0, r.output);
  CHECK_MESSAGE(r.output.find("21 training and 3 test images of 28x28 = 784 pixels") != std::string::npos, r.output);
  CHECK(fs::exists(fs::path(out) / "reconstructions.png"));
  if (const char* keep = std::getenv("AET_KEEP_IMAGE_FOLDER_RUN"); keep && *keep)
    fs::copy(fs::path(out) / "reconstructions.png", keep, fs::copy_options::overwrite_existing);
  // Without --size these agree in size, so it runs too, at 40×40; mixed sizes are refused.
  const std::string odd = (images.path / "discs" / "odd.png").string();
  std::vector<uint8_t> px(30 * 20, 128);
  write_png(odd, Image{30, 20, 1, px});
  Run mixed = run(bin + " --smoke --data " + images.path.string() + " --out " + out);
  CHECK(mixed.exit_code == 1);
  CHECK_MESSAGE(mixed.output.find("images differ in size") != std::string::npos, mixed.output);
  CHECK(mixed.output.find("pass --size S") != std::string::npos);
}

TEST_CASE("tutorial 1 with --resume on a finished run skips training and scores the same model") {
  const std::string bin = tutorial_command("01-what-is-an-autoencoder");
  const fs::path out = fs::temp_directory_path() / ("aet_resume_" + std::to_string(::getpid()));
  fs::remove_all(out);
  Run first = run(bin + " --smoke --threads 2 --out " + out.string());
  Run again = run(bin + " --smoke --threads 2 --resume --out " + out.string());
  REQUIRE(first.exit_code == 0);
  REQUIRE(again.exit_code == 0);
  CHECK(again.output.find("resumed from " + (out / "training_state.ckpt").string() + " after epoch 1") !=
        std::string::npos);
  std::smatch a, b;
  const std::regex final_mse("final test MSE (\\S+)");
  REQUIRE(std::regex_search(first.output, a, final_mse));
  REQUIRE(std::regex_search(again.output, b, final_mse));
  CHECK(a[1].str() == b[1].str());
  Run missing = run(bin + " --smoke --resume --out " + (out / "nothing-here").string());
  CHECK(missing.exit_code == 1);
  CHECK(missing.output.find("training_state.ckpt") != std::string::npos);
  fs::remove_all(out);
}

TEST_CASE("tutorial 2 --deep-clustering and tutorial 4 --likelihood cb run in smoke mode") {
  if (!have_data()) return;
  const fs::path out = fs::temp_directory_path() / ("aet_flags_" + std::to_string(::getpid()));
  Run deep = run(launch(tutorial_bin_dir() / "02-dimension-reduction-and-clustering") +
                 " --smoke --threads 2 --deep-clustering --out " + out.string());
  REQUIRE_MESSAGE(deep.exit_code == 0, deep.output);
  for (const char* row : {"\nK-Means on raw pixels ", "\nautoencoder + K-Means ", "\nautoencoder + GMM (full covariance) ",
                          "\nautoencoder + UMAP + K-Means ", "\nautoencoder + UMAP + GMM (N2D) ", "\nDEC ("})
    CHECK_MESSAGE(deep.output.find(row) != std::string::npos, row);
  // The continuous Bernoulli's nats are a density's: log C(l) >= log 2 per pixel makes them
  // smaller than BCE's, and the importance-weighted bound tightens with k (-L_5000 <= -L_1).
  Run cb = run(launch(tutorial_bin_dir() / "04-variational-autoencoder") + " --smoke --threads 2 --likelihood cb --out " +
               out.string());
  REQUIRE_MESSAGE(cb.exit_code == 0, cb.output);
  std::smatch k1, k5000;
  REQUIRE(std::regex_search(cb.output, k1, std::regex(R"(\n\s+1\s+(\S+)\s+\S+\s+0\.00)")));
  REQUIRE(std::regex_search(cb.output, k5000, std::regex(R"(\n\s+5000\s+(\S+))")));
  CHECK(std::stod(k5000[1].str()) <= std::stod(k1[1].str()));
  CHECK(std::stod(k1[1].str()) < 0.0);  // a decoder that is sure of its greys: density > 1
  Run bad = run(launch(tutorial_bin_dir() / "04-variational-autoencoder") + " --smoke --likelihood gauss --out " +
                out.string());
  CHECK(bad.exit_code == 1);
  CHECK_MESSAGE(bad.output.find("--likelihood: expected bce or cb, got 'gauss'") != std::string::npos, bad.output);
  fs::remove_all(out);
}

TEST_CASE("tutorial 2 --dc-all-images clusters train + test, scores the test part too, and reuses its checkpoint") {
  if (!have_data()) return;
  const fs::path out = fs::temp_directory_path() / ("aet_dc_all_" + std::to_string(::getpid()));
  const std::string cmd = launch(tutorial_bin_dir() / "02-dimension-reduction-and-clustering") +
                          " --smoke --threads 2 --deep-clustering --dc-all-images --dec-steps 0 --gmm-restarts 1"
                          " --dc-hidden 32 --ae-checkpoint " + (out / "ae.ckpt").string() + " --out " + out.string();
  Run first = run(cmd);
  REQUIRE_MESSAGE(first.exit_code == 0, first.output);
  // smoke mode keeps 1000 training and 500 test images: all 1500 are trained on and clustered
  CHECK_MESSAGE(first.output.find("784-32-10 trained 1 epochs (batch 128) on 1500 images (train + test, no labels); "
                                  "1500 images are clustered") != std::string::npos, first.output);
  CHECK_MESSAGE(first.output.find("autoencoder + GMM (full covariance) ACC ") != std::string::npos, first.output);
  CHECK_MESSAGE(first.output.find("(test images: ACC ") != std::string::npos, first.output);
  CHECK(first.output.find("\nDEC (") == std::string::npos);  // --dec-steps 0: no DEC row
  CHECK(first.output.find("autoencoder trained in") != std::string::npos);
  REQUIRE(fs::exists(out / "ae.ckpt"));
  Run again = run(cmd);
  REQUIRE_MESSAGE(again.exit_code == 0, again.output);
  CHECK_MESSAGE(again.output.find("autoencoder loaded from") != std::string::npos, again.output);
  CHECK(again.output.find("autoencoder trained in") == std::string::npos);
  // --gmm-draws: the spread of five single-start mixtures on the UMAP layout, after the table
  Run drawn = run(cmd + " --gmm-draws 5");
  REQUIRE_MESSAGE(drawn.exit_code == 0, drawn.output);
  CHECK(again.output.find("single-start GMMs") == std::string::npos);
  std::smatch d;
  REQUIRE_MESSAGE(std::regex_search(drawn.output, d, std::regex(R"(\n\n  5 single-start GMMs on this UMAP layout: ACC min )"
                                                                R"((\S+) median (\S+) max (\S+), NMI \S+; the )"
                                                                R"(highest-likelihood one: ACC (\S+) \(([0-4]) of 5 starts)")),
                  drawn.output);
  CHECK(std::stod(d[1].str()) <= std::stod(d[2].str()));
  CHECK(std::stod(d[2].str()) <= std::stod(d[3].str()));
  CHECK(std::stod(d[4].str()) >= std::stod(d[1].str()));
  CHECK(std::stod(d[4].str()) <= std::stod(d[3].str()));
  CHECK(drawn.output.find("single-start GMMs") > drawn.output.find("\nmethod (same codes)"));
  // --gmm-vote: one more row, right after N2D's, and the rows before it are as they were
  Run voted = run(cmd + " --gmm-vote 5");
  REQUIRE_MESSAGE(voted.exit_code == 0, voted.output);
  CHECK(again.output.find("vote of") == std::string::npos);
  check_row_added(voted.output, again.output, R"(autoencoder \+ UMAP \+ GMM \(N2D\))",
                  R"(autoencoder \+ UMAP \+ vote of 5 GMMs)");
  CHECK_MESSAGE(std::regex_search(voted.output, std::regex(R"(the vote: \d+ rounds(, converged)?, \d+ % of the votes agree)")),
                voted.output);
  // --umap-layouts 2: the vote over both layouts' 10 GMMs in one more row; the rows before stay
  Run layouts = run(cmd + " --gmm-vote 5 --umap-layouts 2");
  REQUIRE_MESSAGE(layouts.exit_code == 0, layouts.output);
  CHECK(voted.output.find("UMAP layouts") == std::string::npos);
  check_row_added(layouts.output, voted.output, R"(autoencoder \+ UMAP \+ vote of 5 GMMs)",
                  R"(  \.\.\. 2 UMAP layouts, vote of 10)");
  CHECK_MESSAGE(layouts.output.find("the vote over 2 layouts: ") != std::string::npos, layouts.output);
  fs::remove_all(out);
}

TEST_CASE("tutorial helpers: first images of each class, the batched test mean, the manifold's Z check") {
  Dataset d;
  d.images = Tensor::from({6, 1}, {0, 1, 2, 3, 4, 5});
  d.labels = {2, 0, 2, 1, 0, 2};
  d.num_classes = 3;
  CHECK(first_of_each_class(d, 1) == std::vector<int>{1, 3, 0});
  CHECK(first_of_each_class(d, 2) == std::vector<int>{1, 4, 3, 0, 2});  // class 1 has one image
  CHECK(each_class(3, 2) == std::vector<int>{0, 0, 1, 1, 2, 2});

  // 2 500 rows in batches of 1 000, 1 000, 500: the mean must weigh the short batch by its size.
  Dataset big;
  std::vector<float> values(2500);
  for (int i = 0; i < 2500; ++i) values[i] = i < 2000 ? 1.0f : 4.0f;
  big.images = Tensor::from({2500, 1}, values);
  big.labels.assign(2500, 0);
  big.num_classes = 1;
  int batches = 0;
  const double mean = mean_over_test(big, [&](const Batch& b) {
    ++batches;
    double s = 0;
    for (int i = 0; i < b.x.rows(); ++i) s += b.x.at(i, 0);
    return static_cast<float>(s / b.x.rows());
  });
  CHECK(batches == 3);
  CHECK(mean == doctest::Approx((2000 * 1.0 + 500 * 4.0) / 2500));

  Rng rng(1);
  VAE vae(4, 3, 5, rng);
  CHECK_THROWS_WITH(write_manifold((fs::temp_directory_path() / "m.png").string(), vae, 2, 2),
                    "write_manifold: the latent plane needs Z = 2, the model has Z = 5");
}

