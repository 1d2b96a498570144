// train_vae.h — tutorial 4's and 5's training loops, for tutorial 7 when no Z = 2
// checkpoint of theirs is there. Tutorials 4 and 5 show the same loops written out, with
// the test loss, KL warm-up and checkpoints around them.
#pragma once
#include <string>

#include "autograd/random.h"
#include "datasets/dataset.h"
#include "models/cvae.h"
#include "models/vae.h"

namespace aet {

// `epochs` epochs of the negative ELBO (β = 1) on `train`: Adam lr 1e-3, batch 128,
// shuffled with `rng`, a progress bar labelled `label`. Throws if the loss stops being finite.
void train_vae(VAE& vae, const Dataset& train, int epochs, Rng& rng, const std::string& label);
void train_cvae(CVAE& cvae, const Dataset& train, int epochs, Rng& rng, const std::string& label);

}  // namespace aet
