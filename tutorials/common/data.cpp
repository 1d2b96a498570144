// data.cpp — see data.h.
#include "tutorials/common/data.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "datasets/data_source.h"
#include "datasets/image_folder.h"

namespace aet {

TutorialData load_tutorial_data(CommonOptions& opt, int smoke_train, int smoke_test) {
  TutorialData d;
  // Download progress goes to stdout at once, so a student sees why the start is slow.
  const DataLocation where = locate_data({.dataset = opt.dataset, .dir = opt.data}, [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  });
  d.dir = where.dir;
  if (looks_like_image_folder(d.dir)) {
    ImageFolderSplits s = load_image_folder_splits(d.dir, opt.size);
    d.train = std::move(s.train);
    d.test = std::move(s.test);
  } else {
    if (opt.size > 0)
      throw std::invalid_argument("--size resamples an image folder given with --data; " + d.dir +
                                  " holds MNIST-format files, whose images are used as they are");
    d.train = load_named_dataset(opt.dataset, d.dir, Split::Train);
    d.test = load_named_dataset(opt.dataset, d.dir, Split::Test);
  }
  if (opt.smoke) {
    d.train = first_n(d.train, std::min(smoke_train, d.train.size()));
    d.test = first_n(d.test, std::min(smoke_test, d.test.size()));
    opt.epochs = 1;
  }
  return d;
}

}  // namespace aet
