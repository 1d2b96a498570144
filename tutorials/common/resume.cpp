// resume.cpp — see resume.h.
#include "tutorials/common/resume.h"

#include <fmt/core.h>

namespace aet {

std::string training_state_path(const CommonOptions& opt) { return opt.out + "/training_state.ckpt"; }

int first_epoch(bool resume, const std::string& path, const Module& model, Optimizer& opt, Rng& rng,
                TrainingHistory& history) {
  if (!resume) return 1;
  const int done = load_training_state(path, model, opt, rng, &history);
  fmt::print("resumed from {} after epoch {}\n", path, done);
  return done + 1;
}

}  // namespace aet
