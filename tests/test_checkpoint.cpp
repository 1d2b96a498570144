// test_checkpoint.cpp — the checkpoint format: round trips, every malformed file a
// student might meet (each message must name the file and the problem), loading into
// a model that does not fit, crash-safe saving, and resuming Adam bit-identically.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "nn/checkpoint.h"
#include "nn/optim.h"
#include "tests/temp_dir.h"

using namespace aet;
namespace fs = std::filesystem;

namespace {

using aet::testing::TempDir;

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

bool bit_identical(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// The small reference file used by the malformed-file tests, laid out byte by byte:
//   0  "AETCKPT1"        8  version 1          12 tensor count 1
//   16 name length 1     20 'w'                21 ndim 2
//   25 dim 2             29 dim 3              33 six floats (24 bytes)
//   57 integer count 1   61 name length 5      65 "epoch"
//   70 u64 value 7       78 CRC-32             82 end
constexpr size_t kOffVersion = 8, kOffNameLen = 16, kOffNdim = 21, kOffDim0 = 25, kOffValues = 33,
                 kOffIntName = 65, kOffCrc = 78, kSize = 82;

Checkpoint small_checkpoint() {
  Checkpoint c;
  c.tensors.push_back({"w", Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6})});
  c.integers.emplace_back("epoch", 7);
  return c;
}

// Writes the reference file, lets `damage` edit its bytes, and returns read_checkpoint's message.
std::string read_damaged(const TempDir& dir, const std::function<void(std::vector<unsigned char>&)>& damage) {
  const std::string path = dir.file("damaged.ckpt");
  save_checkpoint(path, small_checkpoint());
  std::vector<unsigned char> bytes = read_bytes(path);
  REQUIRE(bytes.size() == kSize);
  damage(bytes);
  write_bytes(path, bytes);
  return message_of([&] { read_checkpoint(path); });
}

void put_u32(std::vector<unsigned char>& b, size_t at, uint32_t x) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<unsigned char>(x >> (8 * i));
}

}  // namespace

TEST_CASE("checkpoint: round trip is bit-identical") {
  TempDir dir;
  const std::string path = dir.file("model.ckpt");
  Rng rng(7);
  Checkpoint c;
  c.tensors.push_back({"encoder.0.weight", Tensor::randn({4, 3}, rng)});
  c.tensors.push_back({"encoder.0.bias", Tensor::randn({3}, rng)});
  // Values a text format would mangle: −0, a denormal, ±inf, NaN, the largest float.
  c.tensors.push_back({"odd", Tensor::from({1, 2, 3, 1}, {-0.0f, 1e-45f, INFINITY, -INFINITY, NAN,
                                                           std::numeric_limits<float>::max()})});
  c.set_integer("epoch", 12);
  c.set_integer("big", (uint64_t{1} << 63) + 5);
  save_checkpoint(path, c);

  const Checkpoint back = read_checkpoint(path);
  CHECK(back.source == path);
  REQUIRE(back.tensors.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(back.tensors[i].name == c.tensors[i].name);
    CHECK(bit_identical(back.tensors[i].tensor, c.tensors[i].tensor));
  }
  CHECK(back.integer("epoch") == 12);
  CHECK(back.integer("big") == (uint64_t{1} << 63) + 5);
  CHECK(bit_identical(back.tensor("odd"), c.tensors[2].tensor));
  CHECK(fs::file_size(path) == read_bytes(path).size());
  CHECK(dir.entries() == std::vector<std::string>{"model.ckpt"});  // no temporary left

  CHECK(message_of([&] { back.integer("step"); }) ==
        "checkpoint '" + path + "' has no integer 'step' (it has 'epoch', 'big')");
  CHECK(contains(message_of([&] { back.tensor("decoder.weight"); }), "has no tensor 'decoder.weight'"));
}

TEST_CASE("checkpoint: the reference file has the documented layout") {
  TempDir dir;
  const std::string path = dir.file("small.ckpt");
  save_checkpoint(path, small_checkpoint());
  const std::vector<unsigned char> b = read_bytes(path);
  REQUIRE(b.size() == kSize);
  CHECK(std::string(b.begin(), b.begin() + 8) == "AETCKPT1");
  CHECK(b[kOffVersion] == 1);
  CHECK(b[kOffNdim] == 2);
  CHECK(b[kOffDim0] == 2);
  float first;
  std::memcpy(&first, &b[kOffValues], 4);
  CHECK(first == 1.0f);
  CHECK(std::string(b.begin() + kOffIntName, b.begin() + kOffIntName + 5) == "epoch");
  CHECK(b[kOffIntName + 5] == 7);
}

TEST_CASE("checkpoint: Rng state round-trips and continues the same sequence") {
  TempDir dir;
  const std::string path = dir.file("rng.ckpt");
  Rng rng(2024);
  rng.normal();  // Box–Muller leaves a spare normal waiting: the state must include it
  Checkpoint c;
  add_rng_state(c, "rng", rng);
  save_checkpoint(path, c);
  std::vector<float> expected;
  for (int i = 0; i < 5; ++i) expected.push_back(rng.normal());

  Rng restored(1);
  restore_rng_state(read_checkpoint(path), "rng", restored);
  for (int i = 0; i < 5; ++i) CHECK(restored.normal() == expected[i]);

  CHECK(message_of([&] { restore_rng_state(read_checkpoint(path), "data_rng", restored); }) ==
        "checkpoint '" + path + "' has no integer 'data_rng.s0' (it has 'rng.s0', 'rng.s1', 'rng.s2', 'rng.s3', "
        "'rng.spare', 'rng.has_spare')");
}

TEST_CASE("checkpoint: missing, empty and foreign files") {
  TempDir dir;
  SUBCASE("missing") {
    const std::string path = dir.file("nope.ckpt");
    CHECK(message_of([&] { read_checkpoint(path); }) ==
          "read_checkpoint: cannot open '" + path + "': No such file or directory");
  }
  SUBCASE("empty") {
    const std::string path = dir.file("empty.ckpt");
    write_bytes(path, {});
    CHECK(message_of([&] { read_checkpoint(path); }) ==
          "read_checkpoint: '" + path + "' is empty (0 bytes) — probably a save that was interrupted");
  }
  SUBCASE("a directory") {
    CHECK(contains(message_of([&] { read_checkpoint(dir.path.string()); }), "is a directory"));
  }
  SUBCASE("a PNG image") {
    const std::string path = dir.file("x.bin");
    write_bytes(path, {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R'});
    CHECK(message_of([&] { read_checkpoint(path); }) ==
          "read_checkpoint: '" + path +
              "': not an AET checkpoint: it starts with 89 50 4E 47 0D 0A 1A 0A (a PNG image), but a "
              "checkpoint starts with 41 45 54 43 4B 50 54 31 (\"AETCKPT1\")");
  }
  SUBCASE("a short text file") {
    const std::string path = dir.file("notes.txt");
    write_bytes(path, {'h', 'i', '\n'});
    CHECK(contains(message_of([&] { read_checkpoint(path); }), "'" + path + "': not an AET checkpoint: it starts with 68 69 0A"));
  }
}

TEST_CASE("checkpoint: damaged files are reported with the file and the problem") {
  TempDir dir;
  const std::string path = dir.file("damaged.ckpt");
  auto check_msg = [&](const std::string& msg, const std::string& problem) {
    INFO(msg);
    CHECK(contains(msg, "'" + path + "'"));
    CHECK(contains(msg, problem));
  };
  SUBCASE("changed magic") {
    check_msg(read_damaged(dir, [](auto& b) { b[0] = 'X'; }), "not an AET checkpoint: it starts with 58 45 54");
  }
  SUBCASE("newer version") {
    check_msg(read_damaged(dir, [](auto& b) { put_u32(b, kOffVersion, 7); }),
              "written by checkpoint format version 7, this build reads version 1");
  }
  SUBCASE("version 0") {
    check_msg(read_damaged(dir, [](auto& b) { put_u32(b, kOffVersion, 0); }), "format version 0 does not exist");
  }
  SUBCASE("a flipped value byte") {
    check_msg(read_damaged(dir, [](auto& b) { b[kOffValues + 5] ^= 0x10; }), "checksum mismatch");
  }
  SUBCASE("a flipped checksum byte") {
    check_msg(read_damaged(dir, [](auto& b) { b[kOffCrc] ^= 0x01; }), "checksum mismatch");
  }
  SUBCASE("appended garbage") {
    check_msg(read_damaged(dir, [](auto& b) { b.insert(b.end(), {'j', 'u', 'n', 'k'}); }),
              "4 unexpected trailing bytes after the end of the checkpoint (at byte 82)");
  }
  SUBCASE("an absurd name length") {
    check_msg(read_damaged(dir, [](auto& b) { put_u32(b, kOffNameLen, 100000); }),
              "the name of tensor 1 of 1 has a name length of 100000 bytes (1 to 4096 are allowed)");
  }
  SUBCASE("too many dimensions") {
    check_msg(read_damaged(dir, [](auto& b) { put_u32(b, kOffNdim, 7); }),
              "tensor 'w' has 7 dimensions (1 to 4 are allowed)");
  }
  SUBCASE("a zero dimension") {
    check_msg(read_damaged(dir, [](auto& b) { put_u32(b, kOffDim0, 0); }), "tensor 'w' has a dimension of 0");
  }
  SUBCASE("dimensions larger than the file (and whose product overflows 64 bits)") {
    check_msg(read_damaged(dir,
                           [](auto& b) {
                             put_u32(b, kOffDim0, 0x7FFFFFFF);
                             put_u32(b, kOffDim0 + 4, 0x7FFFFFFF);
                           }),
              "tensor 'w' claims more values than the");
  }
}

TEST_CASE("checkpoint: a file truncated anywhere says it is truncated") {
  TempDir dir;
  const std::string full = dir.file("full.ckpt");
  save_checkpoint(full, small_checkpoint());
  const std::vector<unsigned char> bytes = read_bytes(full);
  const std::string path = dir.file("cut.ckpt");
  // Every cut from 1 byte to all but the last byte, then a few where we know what is
  // being read at that moment.
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    write_bytes(path, {bytes.begin(), bytes.begin() + static_cast<long>(cut)});
    const std::string msg = message_of([&] { read_checkpoint(path); });
    INFO("cut at ", cut, ": ", msg);
    CHECK(contains(msg, "'" + path + "'"));
    CHECK(contains(msg, "truncated"));
  }
  const std::pair<size_t, std::string> known[] = {
      {5, "while reading the magic"},
      {10, "while reading the format version"},
      {14, "while reading the tensor count"},
      {20, "while reading the name of tensor 1 of 1"},
      {27, "while reading the shape of tensor 'w'"},
      {40, "tensor 'w' claims more values than the"},
      {59, "while reading the integer count"},
      {67, "while reading the name of integer 1 of 1"},
      {72, "while reading the value of integer 'epoch'"},
      {80, "while reading the checksum"},
  };
  for (const auto& [at, what] : known) {
    const auto cut = at;  // a copy: clang < 16 cannot capture a structured binding (INFO's lambda)
    write_bytes(path, {bytes.begin(), bytes.begin() + static_cast<long>(cut)});
    const std::string msg = message_of([&] { read_checkpoint(path); });
    INFO("cut at ", cut, ": ", msg);
    CHECK(contains(msg, what));
  }
}

TEST_CASE("checkpoint: load_parameters reports missing, extra and mis-shaped tensors") {
  Checkpoint file;
  file.source = "model.ckpt";
  file.tensors.push_back({"encoder.0.weight", Tensor::full({512, 784}, 1.0f)});
  file.tensors.push_back({"encoder.0.bias", Tensor::full({400}, 1.0f)});
  file.tensors.push_back({"extra.bias", Tensor::full({3}, 1.0f)});

  Tensor w = Tensor::zeros({400, 784}), b = Tensor::zeros({400}), d = Tensor::zeros({784, 400});
  const ParamList model = {{"encoder.0.weight", w}, {"encoder.0.bias", b}, {"decoder.2.weight", d}};

  CHECK(message_of([&] { load_parameters(file, model); }) ==
        "load_parameters: checkpoint 'model.ckpt' does not fit (3 problems):\n"
        "  encoder.0.weight: file has (512,784), model expects (400,784)\n"
        "  checkpoint has no tensor 'decoder.2.weight'\n"
        "  unexpected tensor in file: 'extra.bias'");
  CHECK(b.data()[0] == 0.0f);  // nothing was copied: the bias that did fit is untouched

  // One problem at a time, each in its exact form.
  CHECK(message_of([&] { load_parameters(file, {{"encoder.0.weight", w}, {"encoder.0.bias", b}}, "", true); }) ==
        "load_parameters: checkpoint 'model.ckpt' does not fit (1 problem):\n"
        "  encoder.0.weight: file has (512,784), model expects (400,784)");
  CHECK(contains(message_of([&] { load_parameters(file, {{"decoder.2.weight", d}}, "other.ckpt", true); }),
                 "checkpoint 'other.ckpt' does not fit (1 problem):\n  checkpoint has no tensor 'decoder.2.weight'"));

  // What fits loads; ignore_extra allows tensors the model does not have.
  load_parameters(file, {{"encoder.0.bias", b}}, "", /*ignore_extra=*/true);
  CHECK(b.data()[399] == 1.0f);
}

TEST_CASE("checkpoint: save_parameters / load_parameters by path") {
  TempDir dir;
  const std::string path = dir.file("params.ckpt");
  Rng rng(3);
  Tensor w = Tensor::randn({3, 2}, rng, 1.0f, true), b = Tensor::randn({2}, rng, 1.0f, true);
  save_parameters(path, {{"w", w}, {"b", b}});
  Tensor w2 = Tensor::zeros({3, 2}), b2 = Tensor::zeros({2});
  load_parameters(path, {{"w", w2}, {"b", b2}});
  CHECK(bit_identical(w, w2));
  CHECK(bit_identical(b, b2));
  Tensor wrong = Tensor::zeros({2, 3});
  CHECK(message_of([&] { load_parameters(path, {{"w", wrong}, {"b", b2}}); }) ==
        "load_parameters: checkpoint '" + path + "' does not fit (1 problem):\n  w: file has (3,2), model expects (2,3)");
}

TEST_CASE("checkpoint: a save that fails midway leaves the previous checkpoint intact") {
  TempDir dir;
  const std::string path = dir.file("run.ckpt");
  Tensor a = Tensor::full({16, 16}, 1.0f);
  save_parameters(path, {{"w", a}});

  Tensor b = Tensor::full({16, 16}, 2.0f);
  // Fail before the first byte, inside the header, inside the values, just before the CRC.
  for (size_t fail_after : {size_t{0}, size_t{20}, size_t{500}, size_t{16 + 4 + 1 + 4 + 8 + 1024 + 4}}) {
    set_checkpoint_fail_after_bytes(fail_after);
    const std::string msg = message_of([&] { save_parameters(path, {{"w", b}}); });
    INFO(msg);
    CHECK(contains(msg, "save_checkpoint: could not write '" + path + "'"));
    CHECK(contains(msg, "No space left on device (simulated"));
    CHECK(dir.entries() == std::vector<std::string>{"run.ckpt"});  // the temporary file is gone

    Tensor loaded = Tensor::zeros({16, 16});
    load_parameters(path, {{"w", loaded}});
    CHECK(bit_identical(loaded, a));
  }
  // The hook is one-shot: the next save goes through.
  save_parameters(path, {{"w", b}});
  Tensor loaded = Tensor::zeros({16, 16});
  load_parameters(path, {{"w", loaded}});
  CHECK(bit_identical(loaded, b));
}

TEST_CASE("checkpoint: saving where it cannot be written throws a clear message") {
  TempDir dir;
  const std::string missing_dir = dir.file("no/such/dir");
  const std::string path = missing_dir + "/x.ckpt";
  CHECK(message_of([&] { save_parameters(path, {{"w", Tensor::zeros({1})}}); }) ==
        "save_checkpoint: could not write '" + path + "': cannot create '" + path + ".tmp." +
            std::to_string(::getpid()) + "': No such file or directory (does the directory '" + missing_dir +
            "' exist, and may you write to it?)");

  if (::geteuid() != 0) {  // root may write anywhere, so this part only runs as a normal user
    fs::permissions(dir.path, fs::perms::owner_read | fs::perms::owner_exec);
    const std::string msg = message_of([&] { save_parameters(dir.file("x.ckpt"), {{"w", Tensor::zeros({1})}}); });
    fs::permissions(dir.path, fs::perms::owner_all);
    CHECK(contains(msg, "Permission denied"));
  }
}

TEST_CASE("checkpoint: invalid checkpoints are refused before touching the disk") {
  TempDir dir;
  const std::string path = dir.file("bad.ckpt");
  Checkpoint c;
  c.tensors.push_back({"w", Tensor::zeros({1})});
  c.tensors.push_back({"w", Tensor::zeros({2})});
  CHECK(contains(message_of([&] { save_checkpoint(path, c); }), "two tensors are named 'w'"));
  c.tensors = {{"", Tensor::zeros({1})}};
  CHECK(contains(message_of([&] { save_checkpoint(path, c); }), "a tensor name must have 1 to 4096 bytes, got 0"));
  c.tensors = {{"w", Tensor()}};
  CHECK(contains(message_of([&] { save_checkpoint(path, c); }), "tensor 'w' is an empty Tensor handle"));
  CHECK(dir.entries().empty());
}

// Resuming: optimizer A trains 3 steps and is checkpointed with its parameter; a fresh
// parameter and a fresh Adam B are restored from the file. Given the same gradient,
// A's 4th step and B's first step after the restore must agree to the last bit.
TEST_CASE("checkpoint: Adam resumes bit-identically from a checkpoint") {
  TempDir dir;
  const std::string path = dir.file("train.ckpt");
  auto gradient = [](int step) {
    std::vector<float> g(11);
    for (int i = 0; i < 11; ++i) g[i] = std::sin(0.7f * static_cast<float>(i + 3 * step)) * (i + 1);
    return g;
  };
  auto set_grad = [](Tensor t, const std::vector<float>& g) { std::copy(g.begin(), g.end(), t.grad()); };

  Rng rng(11);
  Tensor theta_a = Tensor::randn({11}, rng, 1.0f, true);
  Adam adam_a({{"theta", theta_a}}, {.lr = 0.01f, .weight_decay = 0.01f});
  for (int s = 0; s < 3; ++s) {
    set_grad(theta_a, gradient(s));
    adam_a.step();
  }
  Checkpoint c;
  c.tensors.push_back({"theta", theta_a});
  add_optimizer_state(c, adam_a);
  c.set_integer("epoch", 1);
  save_checkpoint(path, c);

  Tensor theta_b = Tensor::zeros({11}, true);
  Adam adam_b({{"theta", theta_b}}, {.lr = 0.01f, .weight_decay = 0.01f});
  const Checkpoint back = read_checkpoint(path);
  load_parameters(back, {{"theta", theta_b}}, "", /*ignore_extra=*/true);
  restore_optimizer_state(back, adam_b);
  CHECK(adam_b.steps() == 3);
  CHECK(back.integer("adam.steps") == 3);

  for (int s = 3; s < 5; ++s) {
    set_grad(theta_a, gradient(s));
    set_grad(theta_b, gradient(s));
    adam_a.step();
    adam_b.step();
    CHECK(bit_identical(theta_a, theta_b));
    CHECK(bit_identical(adam_a.state()[0].tensor, adam_b.state()[0].tensor));
    CHECK(bit_identical(adam_a.state()[1].tensor, adam_b.state()[1].tensor));
  }

  // The whole run in one strict call: model parameters and optimizer state together.
  Tensor theta_c = Tensor::zeros({11}, true);
  Adam adam_c({{"theta", theta_c}}, {.lr = 0.01f});
  ParamList everything = {{"theta", theta_c}};
  for (const auto& s : adam_c.state()) everything.push_back(s);
  load_parameters(back, everything);
  CHECK(bit_identical(adam_c.state()[0].tensor, back.tensor("adam.m.theta")));

  // Restoring into an SGD optimizer finds no "sgd.steps": the message says so.
  SGD sgd({{"theta", theta_c}}, {.lr = 0.1f, .momentum = 0.9f});
  CHECK(contains(message_of([&] { restore_optimizer_state(back, sgd); }), "has no integer 'sgd.steps'"));
}
