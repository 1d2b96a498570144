// test_resume.cpp — training resumes exactly, a failed save loses nothing, and a
// diverging loss stops training with a message while the last checkpoint survives.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "datasets/loader.h"
#include "datasets/synthetic.h"
#include "models/autoencoder.h"
#include "nn/checkpoint.h"
#include "nn/progress.h"
#include "nn/training_state.h"
#include "tests/temp_dir.h"

using namespace aet;
namespace fs = std::filesystem;

namespace {

using aet::testing::TempDir;

// A run is a model, its optimizer and its generator, built from the seed exactly as
// a tutorial builds them.
struct Run {
  Rng rng;
  Dataset data;
  Autoencoder ae;
  Adam adam;
  explicit Run(uint64_t seed)
      : rng(seed), data(make_tiny_images(256, 8, rng)), ae(64, {32}, 4, rng), adam(ae.parameters(), {.lr = 1e-2f}) {}

  // Trains epochs [first, last], saving the state after each; returns the losses.
  std::vector<float> train(int first, int last, const std::string& ckpt, float lr_scale = 1.0f) {
    adam.set_lr(adam.lr() * lr_scale);
    BatchLoader loader(data, 32, true, rng);
    Batch b;
    std::vector<float> losses;
    for (int epoch = first; epoch <= last; ++epoch) {
      loader.start_epoch();
      while (loader.next(b)) {
        adam.zero_grad();
        Tensor loss = ae.loss(b.x);
        check_finite(loss.item(), "reconstruction (MSE)", epoch, b.index);
        backward(loss);
        adam.step();
        losses.push_back(loss.item());
      }
      save_training_state(ckpt, ae, adam, rng, epoch);
    }
    return losses;
  }
};

std::vector<float> all_values(const Module& m) {
  std::vector<float> v;
  for (auto& p : m.parameters()) {
    auto t = p.tensor.to_vector();
    v.insert(v.end(), t.begin(), t.end());
  }
  return v;
}

}  // namespace

TEST_CASE("N epochs straight and N/2 + resume + N/2 are bit-identical") {
  TempDir dir;
  const std::string a = (dir.path / "a.ckpt").string(), b = (dir.path / "b.ckpt").string();
  Run straight(7);
  std::vector<float> losses_straight = straight.train(1, 4, a);

  Run first_half(7);
  std::vector<float> losses = first_half.train(1, 2, b);
  Run resumed(7);  // a fresh process: new objects, same seed
  const int done = load_training_state(b, resumed.ae, resumed.adam, resumed.rng);
  CHECK(done == 2);
  std::vector<float> second = resumed.train(done + 1, 4, b);
  losses.insert(losses.end(), second.begin(), second.end());

  CHECK(losses == losses_straight);  // every batch loss, bit for bit
  CHECK(all_values(resumed.ae) == all_values(straight.ae));
  CHECK(resumed.adam.steps() == straight.adam.steps());
}

TEST_CASE("a save that fails between write and rename keeps the previous checkpoint") {
  TempDir dir;
  const std::string path = (dir.path / "state.ckpt").string();
  Run run(3);
  run.train(1, 1, path);
  const std::vector<float> saved = all_values(run.ae);
  run.train(2, 2, (dir.path / "other.ckpt").string());  // the model moves on
  set_checkpoint_fail_after_bytes(100);                   // the next save dies midway
  CHECK_THROWS_AS(save_training_state(path, run.ae, run.adam, run.rng, 2), std::runtime_error);
  Run reloaded(3);
  CHECK(load_training_state(path, reloaded.ae, reloaded.adam, reloaded.rng) == 1);
  CHECK(all_values(reloaded.ae) == saved);
  for (const auto& e : fs::directory_iterator(dir.path))  // no temporary file left behind
    CHECK(e.path().filename().string().find(".tmp") == std::string::npos);
}

TEST_CASE("an exploding learning rate stops training with epoch, batch and term, keeping the last checkpoint") {
  TempDir dir;
  const std::string path = (dir.path / "state.ckpt").string();
  Run run(5);
  run.train(1, 1, path);
  const std::vector<float> good = all_values(run.ae);
  bool stopped = false;
  try {
    run.train(2, 50, path, /*lr_scale=*/1e30f);
  } catch (const NonFiniteLoss& e) {
    stopped = true;
    const std::string msg = e.what();
    CHECK(msg.find("epoch " + std::to_string(e.epoch())) != std::string::npos);
    CHECK(msg.find("batch " + std::to_string(e.batch())) != std::string::npos);
    CHECK(msg.find("reconstruction (MSE)") != std::string::npos);
    CHECK(e.term() == "reconstruction (MSE)");
  }
  REQUIRE(stopped);
  Run reloaded(5);
  const int epoch = load_training_state(path, reloaded.ae, reloaded.adam, reloaded.rng);
  CHECK(epoch >= 1);
  for (float v : all_values(reloaded.ae)) CHECK(std::isfinite(v));
  if (epoch == 1) CHECK(all_values(reloaded.ae) == good);
}

TEST_CASE("resuming with a checkpoint from a different model names the tensor and both shapes") {
  TempDir dir;
  const std::string path = (dir.path / "state.ckpt").string();
  Run run(1);
  run.train(1, 1, path);
  Rng rng(1);
  Autoencoder other(64, {48}, 4, rng);  // hidden 48 instead of 32
  Adam adam(other.parameters());
  CHECK_THROWS_WITH_AS(load_training_state(path, other, adam, rng),
                       doctest::Contains("model.encoder.0.weight: file has (64,32), model expects (64,48)"),
                       std::runtime_error);
}
