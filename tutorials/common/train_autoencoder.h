// train_autoencoder.h — tutorial 1's training loop, for the tutorials that need an
// autoencoder but teach something else with it (2: clustering its codes; 3: reusing
// its encoder when no checkpoint of tutorial 1 is there). Tutorial 1's main.cpp shows
// the same loop written out, with the test loss and checkpoints around it.
#pragma once
#include <string>

#include "autograd/random.h"
#include "datasets/dataset.h"
#include "models/autoencoder.h"

namespace aet {

// Trains `ae` for `epochs` epochs on `train` with tutorial 1's recipe (Adam lr 1e-3,
// batch 128 unless `batch_size` says otherwise, shuffled with `rng`, MSE per pixel); the
// progress bar is labelled `label`. Throws (naming the epoch and batch) if the loss
// stops being finite.
void train_autoencoder(Autoencoder& ae, const Dataset& train, int epochs, Rng& rng, const std::string& label,
                       int batch_size = 128);

}  // namespace aet
