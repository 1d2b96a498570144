// test_resume.cpp — training resumes exactly, a failed save loses nothing, and a
// diverging loss stops training with a message while the last checkpoint survives.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "autograd/gemm.h"
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
        check_finite_parameters(ae, epoch, b.index);
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

// Forces a GEMM kernel for one scope. How an overflow turns into NaN differs between
// kernels: with the portable one the weights turn NaN while the loss stays finite.
struct ForcedKernel {
  explicit ForcedKernel(const char* name) { gemm_force_kernel(name); }
  ~ForcedKernel() { gemm_force_kernel("auto"); }
};

TEST_CASE("an exploding learning rate stops training with epoch, batch and term, keeping the last checkpoint") {
  // Whichever guard fires first (the loss before backward, or the parameters after the
  // step) names the epoch, the batch and what became NaN or Inf.
  for (const std::string kernel : {"auto", "portable"}) {
    CAPTURE(kernel);
    ForcedKernel forced(kernel.c_str());
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
      MESSAGE("kernel " << kernel << ": " << msg);
      CHECK(e.epoch() >= 2);
      CHECK(e.batch() >= 0);
      CHECK(msg.find("epoch " + std::to_string(e.epoch()) + ", batch " + std::to_string(e.batch())) !=
            std::string::npos);
      const bool loss_term = e.term() == "reconstruction (MSE)", parameter = e.term().starts_with("parameter '");
      CHECK((loss_term || parameter));
      CHECK(msg.find(e.term()) != std::string::npos);
    }
    REQUIRE(stopped);
    Run reloaded(5);
    const int epoch = load_training_state(path, reloaded.ae, reloaded.adam, reloaded.rng);
    CHECK(epoch >= 1);
    for (float v : all_values(reloaded.ae)) CHECK(std::isfinite(v));
    if (epoch == 1) CHECK(all_values(reloaded.ae) == good);
  }
}

TEST_CASE("check_finite_parameters and the save name the parameter that became NaN or Inf") {
  TempDir dir;
  const std::string path = (dir.path / "state.ckpt").string();
  Run run(2);
  run.train(1, 1, path);
  CHECK_NOTHROW(check_finite_parameters(run.ae, 1, 7));
  const ParamList params = run.ae.parameters();
  // The smallest parameter (the latent layer's bias, 4 floats) is scanned only by the
  // scalar tail after the 16-float blocks; its last element is poisoned.
  size_t small = 0;
  for (size_t i = 1; i < params.size(); ++i)
    if (params[i].tensor.size() < params[small].tensor.size()) small = i;
  REQUIRE(params[small].tensor.size() < 16);
  Tensor poisoned = params[small].tensor;
  poisoned.data()[poisoned.size() - 1] = std::numeric_limits<float>::infinity();
  const std::string term = "parameter '" + params[small].name + "'";
  try {
    check_finite_parameters(run.ae, 3, 17);
    FAIL("no exception");
  } catch (const NonFiniteLoss& e) {
    CHECK(std::string(e.what()) == term + " became NaN or Inf at epoch 3, batch 17 (after the optimizer step) — "
                                          "training stopped; the last good checkpoint is kept. Try a smaller "
                                          "learning rate.");
    CHECK(e.term() == term);
    CHECK(e.epoch() == 3);
    CHECK(e.batch() == 17);
  }
  // A NaN in the middle of a block of the first parameter (2048 floats) is found first.
  REQUIRE(small != 0);
  Tensor first = params[0].tensor;
  first.data()[first.size() / 2 + 3] = std::nanf("");
  const std::string first_term = "parameter '" + params[0].name + "' became NaN or Inf at epoch 1, batch 0";
  CHECK_THROWS_WITH_AS(check_finite_parameters(run.ae, 1, 0), doctest::Contains(first_term.c_str()), NonFiniteLoss);

  // A loop without the check still learns the epoch from the save, which keeps the old file.
  const std::string msg = "not saving " + path + " after epoch 2: parameter '" + params[0].name +
                          "' contains NaN or Inf (training diverged); the previous checkpoint is kept. Try a "
                          "smaller learning rate.";
  CHECK_THROWS_WITH_AS(save_training_state(path, run.ae, run.adam, run.rng, 2), msg.c_str(), NonFiniteLoss);
  Run reloaded(2);
  CHECK(load_training_state(path, reloaded.ae, reloaded.adam, reloaded.rng) == 1);
  for (float v : all_values(reloaded.ae)) CHECK(std::isfinite(v));
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
