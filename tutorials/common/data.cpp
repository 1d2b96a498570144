// data.cpp — see data.h.
#include "tutorials/common/data.h"

#include "datasets/fashion_mnist.h"

namespace aet {

TutorialData load_tutorial_data(CommonOptions& opt, int smoke_train, int smoke_test) {
  TutorialData d;
  d.dir = default_data_dir(opt.data);
  d.train = load_fashion_mnist(d.dir, Split::Train);
  d.test = load_fashion_mnist(d.dir, Split::Test);
  if (opt.smoke) {
    d.train = first_n(d.train, smoke_train);
    d.test = first_n(d.test, smoke_test);
    opt.epochs = 1;
  }
  return d;
}

}  // namespace aet
