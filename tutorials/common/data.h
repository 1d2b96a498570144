// data.h — how every tutorial gets its Fashion-MNIST: both splits from --data (or
// AET_DATA, or the Debian package's directory), cut down to a few hundred images
// with --smoke so the test suite can run the tutorial in seconds.
#pragma once
#include <string>

#include "datasets/dataset.h"
#include "tutorials/common/options.h"

namespace aet {

struct TutorialData {
  std::string dir;  // where the files were found
  Dataset train, test;
};

// With opt.smoke: keeps the first smoke_train / smoke_test images and sets opt.epochs = 1.
TutorialData load_tutorial_data(CommonOptions& opt, int smoke_train = 512, int smoke_test = 256);

}  // namespace aet
