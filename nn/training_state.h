// training_state.h — everything a run needs to continue exactly where it stopped.
//
// A tutorial saves one of these at the end of every epoch (crash-safely, see
// checkpoint.h) and `--resume` loads it: the model's parameters, the optimizer's
// moments and step counter, the random generator's state and the epoch number. With
// the same seed, N epochs straight and N/2 + resume + N/2 give bit-identical
// parameters, on any thread count (training does not depend on it).
#pragma once
#include <string>
#include <vector>

#include "autograd/random.h"
#include "nn/module.h"
#include "nn/optim.h"

namespace aet {

struct TrainingHistory {
  std::vector<float> train_loss, test_loss;  // one value per finished epoch
};

// Writes the state crash-safely (checkpoint.h). Refuses, keeping the previous file, when
// a parameter holds NaN or Inf: throws NonFiniteLoss (nn/progress.h) naming it and the epoch.
void save_training_state(const std::string& path, const Module& model, const Optimizer& opt,
                         const Rng& rng, int epoch, const TrainingHistory& history = {});

// Restores model, optimizer and rng from `path`; returns the number of finished epochs.
// Throws (naming the file) if it is missing, corrupt, or was written for another model.
int load_training_state(const std::string& path, const Module& model, Optimizer& opt, Rng& rng,
                        TrainingHistory* history = nullptr);

}  // namespace aet
