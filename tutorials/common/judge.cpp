// judge.cpp — see judge.h.
#include "tutorials/common/judge.h"

#include <fmt/core.h>

#include <algorithm>

#include "datasets/loader.h"
#include "nn/losses.h"
#include "nn/optim.h"
#include "nn/progress.h"

namespace aet {

MLP train_judge(const Dataset& train, int epochs, Rng& rng) {
  MLP net({train.dim(), 512, 256, train.num_classes}, ReLU, rng);
  Adam adam(net.parameters(), {.lr = 1e-3f});
  BatchLoader loader(train, 128, /*shuffle=*/true, rng);
  Batch batch;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    ProgressBar bar(loader.num_batches(), fmt::format("classifier {}/{}", epoch, epochs));
    double sum = 0;
    int seen = 0;
    loader.start_epoch();
    while (loader.next(batch)) {
      adam.zero_grad();
      Tensor loss = cross_entropy_loss(net(batch.x), batch.y);
      check_finite(loss.item(), "cross-entropy", epoch, batch.index);
      backward(loss);
      adam.step();
      sum += double(loss.item()) * batch.x.rows(), seen += batch.x.rows();
      bar.update(batch.index + 1, sum / seen, seen);
    }
    bar.finish();
  }
  return net;
}

std::vector<float> accuracy_by_class(const MLP& classifier, const Tensor& x, const std::vector<int>& labels, int C) {
  NoGrad no_grad;
  Tensor logits = classifier(x);
  std::vector<float> hits(C), count(C);
  for (size_t i = 0; i < labels.size(); ++i) {
    const float* row = logits.data() + i * C;
    hits[labels[i]] += (std::max_element(row, row + C) - row) == labels[i];
    count[labels[i]] += 1;
  }
  for (int k = 0; k < C; ++k) hits[k] /= std::max(count[k], 1.0f);
  return hits;
}

}  // namespace aet
