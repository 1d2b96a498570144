// evaluate.cpp — see evaluate.h.
#include "tutorials/common/evaluate.h"

#include "autograd/tape.h"

namespace aet {

double mean_over_test(const Dataset& test, const std::function<float(const Batch&)>& batch_loss) {
  NoGrad no_grad;
  Rng unused(0);  // a loader that does not shuffle never draws from it
  BatchLoader loader(test, 1000, /*shuffle=*/false, unused);
  Batch b;
  double total = 0;
  while (loader.next(b)) total += double(batch_loss(b)) * b.x.rows();
  return total / test.size();
}

}  // namespace aet
