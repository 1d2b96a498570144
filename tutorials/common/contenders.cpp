// contenders.cpp — see contenders.h.
#include "tutorials/common/contenders.h"

#include <fmt/core.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "models/kmeans.h"
#include "nn/losses.h"
#include "nn/metrics.h"
#include "nn/optim.h"
#include "nn/progress.h"
#include "tutorials/common/evaluate.h"
#include "tutorials/common/judge.h"
#include "tutorials/common/picks.h"
#include "tutorials/common/text_table.h"

namespace aet {

// f(first, n) -> (n, cols) for the rows [first, first + n), `chunk` rows at a time, stacked
// into one (rows, cols) tensor: 10 000 images through a conv decoder at once would hold
// gigabytes of activations. Each call sees the next rows in order, so a model that draws
// from an Rng draws the same numbers as in one call.
static Tensor in_chunks(int rows, int chunk, const std::function<Tensor(int, int)>& f) {
  Tensor out;
  for (int first = 0; first < rows; first += chunk) {
    const int n = std::min(chunk, rows - first);
    Tensor part = f(first, n);
    if (first == 0) out = Tensor::empty({rows, part.cols()});
    std::copy_n(part.data(), part.size(), out.data() + static_cast<size_t>(first) * part.cols());
  }
  return out;
}

double train_contender(const Contender& c, const Dataset& train, int epochs, Rng& rng) {
  Adam adam(c.model->parameters(), {.lr = 1e-3f});
  BatchLoader loader(train, 128, /*shuffle=*/true, rng);
  Batch batch;
  Timer timer;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    ProgressBar bar(loader.num_batches(), fmt::format("{} {}/{}", c.name, epoch, epochs));
    double sum = 0;
    int seen = 0;
    loader.start_epoch();
    while (loader.next(batch)) {
      adam.zero_grad();
      Tensor loss = c.loss(batch, rng);
      check_finite(loss.item(), c.name + " loss", epoch, batch.index);
      backward(loss);
      adam.step();
      sum += double(loss.item()) * batch.x.rows(), seen += batch.x.rows();
      bar.update(batch.index + 1, sum / seen, seen);
    }
    bar.finish();
  }
  return timer.seconds() / std::max(epochs, 1);
}

ContenderScore score_contender(const Contender& c, const Dataset& test, const MLP& judge, int per_class,
                               float tau_low, uint64_t seed) {
  ContenderScore s{.name = c.name, .parameters = c.model->num_parameters()};
  s.test_mse = mean_over_test(test, [&](const Batch& b) { return mse(c.reconstruct(b.x, b.y), b.x).item(); });
  if (c.test_nats) {
    Rng noise(0);
    s.nats = mean_over_test(test, [&](const Batch& b) { return c.test_nats(b, noise); });
  }
  if (c.codes) {
    NoGrad no_grad;
    Rng rng(seed);
    const Tensor codes = in_chunks(test.size(), 1000, [&](int first, int n) {
      Tensor x = Tensor::empty({n, test.dim()});
      std::copy_n(test.images.data() + static_cast<size_t>(first) * test.dim(), x.size(), x.data());
      return c.codes(x);
    });
    const KMeansResult km = kmeans(codes, test.num_classes, rng, {.n_init = 20});
    s.acc = clustering_accuracy(test.labels, km.assignment);
    s.nmi = normalized_mutual_info(test.labels, km.assignment);
  }
  if (c.generate) {
    const int C = test.num_classes;
    const std::vector<int> asked = each_class(C, per_class);
    auto control = [&](float tau) {
      Rng eps(seed + 3);  // the same ε at both τ, as tutorial 5
      Tensor x;
      {
        NoGrad no_grad;
        x = in_chunks(int(asked.size()), 1000, [&](int first, int n) {
          return c.generate(std::vector<int>(asked.begin() + first, asked.begin() + first + n), tau, eps); });
      }
      const std::vector<float> by_class = accuracy_by_class(judge, x, asked, C);
      return std::accumulate(by_class.begin(), by_class.end(), 0.0) / C;
    };
    s.tau1 = control(1.0f), s.tau_low = control(tau_low);
  }
  return s;
}

std::string contender_table(const std::vector<ContenderScore>& scores, float tau_low, int train_size) {
  auto cell = [](double v, const char* format) { return v < 0 ? std::string("-") : fmt::format(fmt::runtime(format), v); };
  TextTable t({"model", "parameters", "test MSE", "test nats/image", "K-Means ACC", "NMI", "as asked tau=1",
               fmt::format("as asked tau={}", tau_low), fmt::format("s/epoch ({} images)", train_size)});
  for (const ContenderScore& s : scores)
    t.add_row({s.name, std::to_string(s.parameters), fmt::format("{:.5f}", s.test_mse), cell(s.nats, "{:.2f}"),
               cell(s.acc, "{:.3f}"), cell(s.nmi, "{:.3f}"), cell(s.tau1, "{:.3f}"), cell(s.tau_low, "{:.3f}"),
               fmt::format("{:.1f}s", s.seconds_per_epoch)});
  return t.str();
}

Tensor filters_as_images(const Tensor& W) {
  if (W.ndim() != 4 || W.dim(1) != 1)
    throw std::invalid_argument("filters_as_images: weight has shape " + shape_str(W.shape()) +
                                ", expected (K,1,k,k), a first layer on grey images");
  const int K = W.dim(0), n = W.dim(2) * W.dim(3);
  Tensor out = Tensor::empty({K, n});
  for (int k = 0; k < K; ++k) {
    const float* w = W.data() + size_t(k) * n;
    const auto [lo, hi] = std::minmax_element(w, w + n);
    const float range = std::max(*hi - *lo, 1e-12f);
    for (int i = 0; i < n; ++i) out.data()[size_t(k) * n + i] = (w[i] - *lo) / range;
  }
  return out;
}

}  // namespace aet
