// fashion_mnist.h — Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017) as a Dataset.
//
// 70 000 grey 28×28 images of clothing in ten classes, 60 000 for training and
// 10 000 for testing: the same format and size as MNIST but harder to overfit,
// which makes it our workhorse for autoencoders. The Debian package
// `dataset-fashion-mnist` installs the four gzip IDX files into
// /usr/share/datasets/fashion-mnist/; datasets/idx.h reads them.
#pragma once
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace aet {

inline constexpr const char* kFashionMnistDefaultDir = "/usr/share/datasets/fashion-mnist/";

// Where to look for data: `explicit_dir` if non-empty (a --data flag), else the
// AET_DATA environment variable if set and non-empty, else kFashionMnistDefaultDir.
std::string default_data_dir(const std::string& explicit_dir = "");

// T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.
const std::vector<std::string>& fashion_mnist_class_names();

// Loads one split from `dir` (resolved through default_data_dir, so "" means the
// default). Files: {train,t10k}-{images-idx3,labels-idx1}-ubyte, with or without
// .gz. Images become (N,784) float32 pixels/255 in [0,1], height = width = 28.
// Throws std::runtime_error naming the missing or broken file and how to fix it.
Dataset load_fashion_mnist(const std::string& dir, Split split);

// The same reader for any MNIST-format data set in `dir` (taken as given, no
// default_data_dir): `title` names the set in messages, `how_to_get` ends the
// message for a missing folder or file. load_fashion_mnist and load_mnist use it.
Dataset load_mnist_format(const std::string& dir, Split split, const std::string& title,
                          const std::vector<std::string>& class_names, const std::string& how_to_get);

}  // namespace aet
