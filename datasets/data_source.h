// data_source.h — where a program's data come from, decided in one place.
//
// In order, the first that applies:
//   1. --data DIR           an MNIST-format folder or an image folder (image_folder.h)
//   2. AET_DATA=DIR         the same, from the environment
//   3. Debian's package     /usr/share/datasets/fashion-mnist (Fashion-MNIST only)
//   4. the download cache   cache_root()/NAME, fetching what is missing (download.h)
// and then the MNIST-format sets are loaded by name: "fashion-mnist" or "mnist".
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "datasets/dataset.h"
#include "datasets/fashion_mnist.h"

namespace aet {

struct DataRequest {
  std::string dataset = "fashion-mnist";  // a name from remote_dataset_names()
  std::string dir = "";                   // --data; empty: not given
  std::string system_dir = kFashionMnistDefaultDir;  // Debian's folder (tests point it elsewhere)
  bool download = true;                   // false: report a missing set instead of fetching it
};

struct DataLocation {
  std::string dir;
  std::string origin;  // "--data", "AET_DATA", "Debian package", "cache" or "downloaded"
};

// Resolves the folder as above. Rule 4 first says, through `log`, what it is
// about to download, from where and into which folder (then fetch_dataset logs
// each file). Throws std::invalid_argument for an unknown data set name,
// std::runtime_error from the download, or (download = false) if it is not cached.
DataLocation locate_data(const DataRequest& request, const std::function<void(const std::string&)>& log = {});

// 0, 1, ..., 9 as names: MNIST's digits.
const std::vector<std::string>& mnist_class_names();

// One split of an MNIST-format set by name from `dir`, with its class names.
Dataset load_named_dataset(const std::string& dataset, const std::string& dir, Split split);

}  // namespace aet
