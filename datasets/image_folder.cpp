// image_folder.cpp — listing the class folders, decoding with stb_image, resampling.
#include "datasets/image_folder.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <stdexcept>

// STATIC keeps stb's functions private to this file (as image_grid.cpp does for
// stb_image_write), so no -lstb is needed and nothing clashes at link time.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

namespace aet {

namespace fs = std::filesystem;

namespace {

bool is_image_file(const fs::path& p) {
  if (p.filename().string().starts_with(".")) return false;
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

// Sorted names of the non-hidden subfolders of dir.
std::vector<std::string> subfolders(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() && !e.path().filename().string().starts_with(".")) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

struct GreyImage {
  int height = 0, width = 0;
  std::vector<float> pixels;  // in [0,1]
};

GreyImage read_grey(const fs::path& p) {
  int w = 0, h = 0, channels = 0;
  // 1 = ask stb for one grey channel whatever the file holds.
  unsigned char* data = stbi_load(p.string().c_str(), &w, &h, &channels, 1);
  if (!data)
    throw std::runtime_error("cannot read image " + p.string() + ": " + stbi_failure_reason() +
                             " (only PNG and JPEG are supported)");
  GreyImage img{h, w, std::vector<float>(static_cast<size_t>(w) * h)};
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<float>(data[i]) / 255.0f;
  stbi_image_free(data);
  return img;
}

// Half-open input intervals [lo, hi) covered by each output pixel along one axis of
// n → m: output j covers [j·n/m, (j+1)·n/m). Returned as (first index, weights).
struct Coverage {
  int first;
  std::vector<float> weights;  // weights[k] applies to input first + k; they sum to 1
};

std::vector<Coverage> coverage(int n, int m) {
  std::vector<Coverage> out(m);
  const double scale = static_cast<double>(n) / m;
  for (int j = 0; j < m; ++j) {
    const double lo = j * scale, hi = (j + 1) * scale;
    const int first = static_cast<int>(lo), last = std::min(n - 1, static_cast<int>(std::ceil(hi)) - 1);
    out[j].first = first;
    for (int i = first; i <= last; ++i) {
      const double overlap = std::min<double>(hi, i + 1) - std::max<double>(lo, i);
      out[j].weights.push_back(static_cast<float>(overlap / scale));
    }
  }
  return out;
}

}  // namespace

std::vector<float> resize_area(const std::vector<float>& src, int h, int w, int out_h, int out_w) {
  if (h < 1 || w < 1 || out_h < 1 || out_w < 1 || src.size() != static_cast<size_t>(h) * w)
    throw std::invalid_argument("resize_area: bad sizes " + std::to_string(h) + "×" + std::to_string(w) + " → " +
                                std::to_string(out_h) + "×" + std::to_string(out_w) + " for " +
                                std::to_string(src.size()) + " pixels");
  // Separable: rows first (h × out_w), then columns (out_h × out_w).
  const auto cx = coverage(w, out_w), cy = coverage(h, out_h);
  std::vector<float> tmp(static_cast<size_t>(h) * out_w), out(static_cast<size_t>(out_h) * out_w);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < out_w; ++x) {
      float s = 0;
      for (size_t k = 0; k < cx[x].weights.size(); ++k) s += cx[x].weights[k] * src[y * w + cx[x].first + k];
      tmp[y * out_w + x] = s;
    }
  for (int y = 0; y < out_h; ++y)
    for (int x = 0; x < out_w; ++x) {
      float s = 0;
      for (size_t k = 0; k < cy[y].weights.size(); ++k) s += cy[y].weights[k] * tmp[(cy[y].first + k) * out_w + x];
      out[y * out_w + x] = s;
    }
  return out;
}

bool looks_like_image_folder(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  for (const char* idx : {"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte",
                          "t10k-images-idx3-ubyte.gz"})
    if (fs::exists(fs::path(dir) / idx, ec)) return false;
  return !subfolders(dir).empty();
}

Dataset load_image_folder(const std::string& dir, int size) {
  if (size < 0 || size > 1024)
    throw std::invalid_argument("image folder " + dir + ": --size must be between 1 and 1024, got " +
                                std::to_string(size));
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::runtime_error("image folder " + dir + " does not exist");
  const std::vector<std::string> classes = subfolders(dir);
  if (classes.empty())
    throw std::runtime_error("image folder " + dir + " has no class subfolders: put each class's PNG or JPEG "
                             "pictures in a folder of its own, e.g. " + (fs::path(dir) / "cat" / "001.png").string());

  Dataset d;
  d.num_classes = static_cast<int>(classes.size());
  d.class_names = classes;
  std::vector<float> pixels;
  std::string first_file;
  for (int c = 0; c < d.num_classes; ++c) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(fs::path(dir) / classes[c]))
      if (e.is_regular_file() && is_image_file(e.path())) files.push_back(e.path());
    if (files.empty())
      throw std::runtime_error("image folder " + dir + ": class folder " + (fs::path(dir) / classes[c]).string() +
                               " holds no .png, .jpg or .jpeg files");
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      GreyImage img = read_grey(f);
      if (size > 0) {
        img.pixels = resize_area(img.pixels, img.height, img.width, size, size);
        img.height = img.width = size;
      } else if (first_file.empty()) {
        d.height = img.height;
        d.width = img.width;
        first_file = f.string();
      } else if (img.height != d.height || img.width != d.width) {
        throw std::runtime_error("image folder " + dir + ": images differ in size: " + first_file + " is " +
                                 std::to_string(d.height) + "×" + std::to_string(d.width) + " (height×width) but " +
                                 f.string() + " is " + std::to_string(img.height) + "×" + std::to_string(img.width) +
                                 "; pass --size S to resample every image to S×S");
      }
      pixels.insert(pixels.end(), img.pixels.begin(), img.pixels.end());
      d.labels.push_back(c);
    }
  }
  if (size > 0) d.height = d.width = size;
  const int n = static_cast<int>(d.labels.size());
  d.images = Tensor::empty({n, d.height * d.width});
  std::copy(pixels.begin(), pixels.end(), d.images.data());
  check_dataset(d, "image folder " + dir);
  return d;
}

ImageFolderSplits load_image_folder_splits(const std::string& dir, int size) {
  std::error_code ec;
  if (fs::is_directory(dir, ec) && subfolders(dir) == std::vector<std::string>{"test", "train"}) {
    ImageFolderSplits s{load_image_folder((fs::path(dir) / "train").string(), size),
                        load_image_folder((fs::path(dir) / "test").string(), size)};
    if (s.train.class_names != s.test.class_names)
      throw std::runtime_error("image folder " + dir + ": train/ and test/ must hold the same class folders (train has " +
                               std::to_string(s.train.num_classes) + ", test has " +
                               std::to_string(s.test.num_classes) + ", or their names differ)");
    if (s.train.height != s.test.height || s.train.width != s.test.width)
      throw std::runtime_error("image folder " + dir + ": train/ images are " + std::to_string(s.train.height) + "×" +
                               std::to_string(s.train.width) + " but test/ images are " +
                               std::to_string(s.test.height) + "×" + std::to_string(s.test.width) +
                               "; pass --size S to resample both");
    return s;
  }
  const Dataset all = load_image_folder(dir, size);
  std::vector<int> count(all.num_classes, 0);
  for (int y : all.labels) ++count[y];
  std::vector<int> train_idx, test_idx, seen(all.num_classes, 0);
  for (int i = 0; i < all.size(); ++i) {
    const int y = all.labels[i], k = seen[y]++;
    const bool to_test = k % 7 == 6 || (count[y] >= 2 && count[y] < 7 && k == count[y] - 1);
    (to_test ? test_idx : train_idx).push_back(i);
  }
  if (test_idx.empty())
    throw std::runtime_error("image folder " + dir + ": too few images to hold any out for testing (every class has "
                             "one image); add more, or give train/ and test/ folders");
  return {subset(all, train_idx), subset(all, test_idx)};
}

}  // namespace aet
