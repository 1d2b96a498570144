// more_checks.cpp — checks a student copy made with HIDDEN=0 leaves out; `make grade` always
// compiles them from the instructor's repository. Each adds to a task tutorial*.cpp registers.
#include <cmath>
#include <vector>

#include "autograd/random.h"
#include "coursework/checker/check.h"
#include "nn/losses.h"
#include "nn/metrics.h"

namespace aet::coursework {
namespace {

// A batch of one row and a wide latent: the average is over rows, the sum over Z.
void kl_one_row() {
  Rng rng(17);
  Tensor mu = Tensor::uniform({1, 7}, rng, -2, 2), lv = Tensor::uniform({1, 7}, rng, -2, 2);
  double want = 0;
  for (int j = 0; j < 7; ++j)
    want += 0.5 * (double(mu.data()[j]) * mu.data()[j] + std::exp(double(lv.data()[j])) - 1.0 - lv.data()[j]);
  expect_close("gaussian_kl of one row with Z = 7", gaussian_kl(mu, lv).item(), want, 1e-5, 1e-5);
}

// Cluster ids that skip numbers: an id that never occurs contributes nothing.
void accuracy_sparse_ids() {
  expect_close("ACC with cluster ids 0 and 5 only",
               clustering_accuracy(std::vector<int>{0, 0, 1, 1, 1}, std::vector<int>{5, 5, 0, 0, 5}), 4.0 / 5.0);
}

const bool registered = add_check("4.2", kl_one_row) && add_check("2.2", accuracy_sparse_ids);

}  // namespace
}  // namespace aet::coursework
