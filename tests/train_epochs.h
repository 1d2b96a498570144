// train_epochs.h — the training loop the learning tests share: for every batch of every
// epoch, zero the gradients, compute the loss, backward, step.
#pragma once

#include "autograd/tape.h"
#include "datasets/loader.h"
#include "nn/optim.h"

namespace aet::testing {

template <class LossOf>
void train_epochs(BatchLoader& loader, Optimizer& opt, int epochs, LossOf loss_of) {
  Batch batch;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    loader.start_epoch();
    while (loader.next(batch)) {
      opt.zero_grad();
      Tensor loss = loss_of(batch);
      backward(loss);
      opt.step();
    }
  }
}

}  // namespace aet::testing
