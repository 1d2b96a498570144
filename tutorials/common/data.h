// data.h — how every tutorial gets its data: --dataset (Fashion-MNIST by default, or
// MNIST) found through --data, AET_DATA, the Debian package's directory or the
// download cache (datasets/data_source.h), or the student's own pictures when --data
// names an image folder (resampled with --size); cut down to a few hundred images
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

// With opt.smoke: keeps the first smoke_train / smoke_test images (or all, if there
// are fewer) and sets opt.epochs = 1. Prints a line before downloading anything.
TutorialData load_tutorial_data(CommonOptions& opt, int smoke_train = 512, int smoke_test = 256);

}  // namespace aet
