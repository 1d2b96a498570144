// resume.h — the --resume flag every training tutorial offers. After each epoch a
// tutorial saves its TrainingState (nn/training_state.h) to <out>/training_state.ckpt;
// with --resume it loads that file and carries on from the next epoch, bit for bit as
// if it had never stopped.
#pragma once
#include <string>

#include "nn/training_state.h"
#include "tutorials/common/options.h"

namespace aet {

// <out>/training_state.ckpt.
std::string training_state_path(const CommonOptions& opt);

// The first epoch to train: 1, or with `resume` the epoch after the one saved at `path`
// (model, optimizer, rng and history restored from it; prints where it resumed).
// Throws, naming the file, if it is missing or written for another model.
int first_epoch(bool resume, const std::string& path, const Module& model, Optimizer& opt, Rng& rng,
                TrainingHistory& history);

}  // namespace aet
