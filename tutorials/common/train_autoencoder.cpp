// train_autoencoder.cpp — see train_autoencoder.h.
#include "tutorials/common/train_autoencoder.h"

#include <fmt/core.h>

#include "datasets/loader.h"
#include "nn/optim.h"
#include "nn/progress.h"

namespace aet {

void train_autoencoder(Autoencoder& ae, const Dataset& train, int epochs, Rng& rng, const std::string& label,
                       int batch_size) {
  Adam adam(ae.parameters(), {.lr = 1e-3f});
  BatchLoader loader(train, batch_size, /*shuffle=*/true, rng);
  Batch batch;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    ProgressBar bar(loader.num_batches(), fmt::format("{} epoch {}/{}", label, epoch, epochs));
    double sum = 0;
    int seen = 0;
    loader.start_epoch();
    while (loader.next(batch)) {
      adam.zero_grad();
      Tensor loss = ae.loss(batch.x);  // mean over pixels of (x̂ − x)²
      check_finite(loss.item(), "reconstruction (MSE)", epoch, batch.index);
      backward(loss);
      adam.step();
      sum += double(loss.item()) * batch.x.rows();
      seen += batch.x.rows();
      bar.update(batch.index + 1, sum / seen, seen);
    }
    bar.finish();
  }
}

}  // namespace aet
