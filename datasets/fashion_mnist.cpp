// fashion_mnist.cpp — finds the four IDX files, reads them, and scales pixels to [0,1].
#include "datasets/fashion_mnist.h"

#include <array>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "datasets/idx.h"

namespace aet {

namespace fs = std::filesystem;

std::string default_data_dir(const std::string& explicit_dir) {
  if (!explicit_dir.empty()) return explicit_dir;
  if (const char* env = std::getenv("AET_DATA"); env && *env) return env;
  return kFashionMnistDefaultDir;
}

const std::vector<std::string>& fashion_mnist_class_names() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

// What a student should do when the data is not where we looked.
static std::string how_to_get_data(const std::string& dir) {
  std::string s = "Install the dataset with `sudo apt-get install dataset-fashion-mnist` (files go to " +
                  std::string(kFashionMnistDefaultDir) +
                  "), or download it into the cache folder with `make data`, or point us at a directory holding "
                  "the four files with --data DIR or AET_DATA=DIR";
  if (const char* env = std::getenv("AET_DATA"); env && *env && dir == env)
    s += " (AET_DATA is currently set to " + std::string(env) + ")";
  return s;
}

// The compressed file if present (that is what the package ships), else the raw one.
static std::string find_file(const std::string& dir, const std::string& base, const std::string& title,
                             const std::string& how_to_get) {
  for (const std::string& name : {base + ".gz", base}) {
    const fs::path p = fs::path(dir) / name;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  throw std::runtime_error(title + ": file " + base + ".gz (or " + base + ") not found in " + dir + ". " + how_to_get);
}

Dataset load_fashion_mnist(const std::string& dir_arg, Split split) {
  const std::string dir = default_data_dir(dir_arg);
  return load_mnist_format(dir, split, "Fashion-MNIST", fashion_mnist_class_names(), how_to_get_data(dir));
}

Dataset load_mnist_format(const std::string& dir, Split split, const std::string& title,
                          const std::vector<std::string>& class_names, const std::string& how_to_get) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::runtime_error(title + ": directory " + dir + " does not exist. " + how_to_get);

  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::string image_path = find_file(dir, prefix + "-images-idx3-ubyte", title, how_to_get);
  const std::string label_path = find_file(dir, prefix + "-labels-idx1-ubyte", title, how_to_get);

  const IdxArray raw = read_idx_images(image_path);
  const int n = raw.dims[0], height = raw.dims[1], width = raw.dims[2];
  Dataset d;
  d.num_classes = static_cast<int>(class_names.size());
  d.class_names = class_names;
  d.labels = read_idx_labels(label_path, d.num_classes);
  if (static_cast<int>(d.labels.size()) != n)
    throw std::runtime_error(title + " " + std::string(split_name(split)) + " split: " + image_path + " has " +
                             std::to_string(n) + " images but " + label_path + " has " +
                             std::to_string(d.labels.size()) + " labels; the files do not belong together");

  // A table gives exactly v/255 (correctly rounded) at the cost of a lookup.
  std::array<float, 256> scale;
  for (int v = 0; v < 256; ++v) scale[v] = static_cast<float>(v) / 255.0f;
  d.height = height;
  d.width = width;
  d.images = Tensor::empty({n, height * width});
  float* dst = d.images.data();
  for (size_t i = 0; i < raw.data.size(); ++i) dst[i] = scale[raw.data[i]];
  return d;
}

}  // namespace aet
