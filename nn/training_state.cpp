// training_state.cpp — a Checkpoint with fixed names: "model.*", the optimizer's
// state, "rng.*", "epoch", and the loss history as two tensors.
#include "nn/training_state.h"

#include <stdexcept>

#include "nn/checkpoint.h"
#include "nn/progress.h"

namespace aet {

// A step can turn the weights to NaN while the loss stays finite (see
// check_finite_parameters); saving them would replace the last good checkpoint with
// garbage, so we refuse, naming the epoch. A loop that calls check_finite_parameters
// after each step stops earlier and names the batch too.
static void check_parameters_finite(const Module& model, const std::string& path, int epoch) {
  const ParamList params = model.parameters();
  if (const NamedTensor* bad = find_non_finite(params)) {
    const std::string term = "parameter '" + bad->name + "'";
    throw NonFiniteLoss("not saving " + path + " after epoch " + std::to_string(epoch) + ": " + term +
                            " contains NaN or Inf (training diverged); the previous checkpoint is kept. "
                            "Try a smaller learning rate.",
                        term, epoch, -1);
  }
}

void save_training_state(const std::string& path, const Module& model, const Optimizer& opt,
                         const Rng& rng, int epoch, const TrainingHistory& history) {
  check_parameters_finite(model, path, epoch);
  Checkpoint ck;
  ck.tensors = prefixed("model", model.parameters());
  add_optimizer_state(ck, opt);
  add_rng_state(ck, "rng", rng);
  ck.set_integer("epoch", static_cast<uint64_t>(epoch));
  if (!history.train_loss.empty()) {
    const int n = static_cast<int>(history.train_loss.size());
    ck.tensors.push_back({"history.train_loss", Tensor::from({n}, history.train_loss)});
    if (history.test_loss.size() == history.train_loss.size())
      ck.tensors.push_back({"history.test_loss", Tensor::from({n}, history.test_loss)});
  }
  save_checkpoint(path, ck);
}

int load_training_state(const std::string& path, const Module& model, Optimizer& opt, Rng& rng,
                        TrainingHistory* history) {
  Checkpoint ck = read_checkpoint(path);
  load_parameters(ck, prefixed("model", model.parameters()), path, /*ignore_extra=*/true);
  restore_optimizer_state(ck, opt);
  restore_rng_state(ck, "rng", rng);
  if (history) {
    *history = {};
    if (ck.has_tensor("history.train_loss")) history->train_loss = ck.tensor("history.train_loss").to_vector();
    if (ck.has_tensor("history.test_loss")) history->test_loss = ck.tensor("history.test_loss").to_vector();
  }
  return static_cast<int>(ck.integer("epoch"));
}

}  // namespace aet
