// train_vae.cpp — see train_vae.h. One loop; the two models differ only in their loss call.
#include "tutorials/common/train_vae.h"

#include <fmt/core.h>

#include <functional>

#include "datasets/loader.h"
#include "nn/optim.h"
#include "nn/progress.h"

namespace aet {
namespace {

void train(const Module& model, const Dataset& train, int epochs, Rng& rng, const std::string& label,
           const std::function<VaeLoss(const Batch&)>& loss_of) {
  Adam adam(model.parameters(), {.lr = 1e-3f});
  BatchLoader loader(train, 128, /*shuffle=*/true, rng);
  Batch batch;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    ProgressBar bar(loader.num_batches(), fmt::format("{} epoch {}/{}", label, epoch, epochs));
    double sum = 0;
    int seen = 0;
    loader.start_epoch();
    while (loader.next(batch)) {
      adam.zero_grad();
      VaeLoss loss = loss_of(batch);  // BCE + KL, nats per image
      check_finite(loss.recon + loss.kl, label + " total", epoch, batch.index);
      backward(loss.total);
      adam.step();
      sum += double(loss.recon + loss.kl) * batch.x.rows(), seen += batch.x.rows();
      bar.update(batch.index + 1, sum / seen, seen);
    }
    bar.finish();
  }
}

}  // namespace

void train_vae(VAE& vae, const Dataset& data, int epochs, Rng& rng, const std::string& label) {
  train(vae, data, epochs, rng, label, [&](const Batch& b) { return vae.loss(b.x, rng); });
}

void train_cvae(CVAE& cvae, const Dataset& data, int epochs, Rng& rng, const std::string& label) {
  const int C = cvae.num_classes();
  train(cvae, data, epochs, rng, label, [&](const Batch& b) { return cvae.loss(b.x, one_hot(b.y, C), rng); });
}

}  // namespace aet
