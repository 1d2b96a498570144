// dataset.cpp — consistency checks, subsets and one-hot targets for Dataset.
#include "datasets/dataset.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace aet {

const char* split_name(Split s) { return s == Split::Train ? "train" : "test"; }

void check_dataset(const Dataset& d, const std::string& what) {
  auto bad = [&](const std::string& msg) { throw std::invalid_argument(what + ": " + msg); };
  if (!d.images.defined()) bad("the dataset has no images tensor");
  if (d.images.ndim() != 2) bad("images must be (N,D), got " + shape_str(d.images.shape()));
  if (static_cast<int>(d.labels.size()) != d.size())
    bad(std::to_string(d.size()) + " examples but " + std::to_string(d.labels.size()) + " labels");
  if (d.num_classes < 1) bad("num_classes must be >= 1, got " + std::to_string(d.num_classes));
  if (!d.class_names.empty() && static_cast<int>(d.class_names.size()) != d.num_classes)
    bad(std::to_string(d.class_names.size()) + " class names for " + std::to_string(d.num_classes) + " classes");
  for (size_t i = 0; i < d.labels.size(); ++i)
    if (d.labels[i] < 0 || d.labels[i] >= d.num_classes)
      bad("label " + std::to_string(d.labels[i]) + " at index " + std::to_string(i) + " is outside [0," +
          std::to_string(d.num_classes) + ")");
  if ((d.height > 0 || d.width > 0) && d.height * d.width != d.dim())
    bad("images are " + std::to_string(d.height) + "×" + std::to_string(d.width) + " but rows hold " +
        std::to_string(d.dim()) + " values");
}

// A copy of d's metadata with no examples yet.
static Dataset same_kind(const Dataset& d) {
  Dataset out;
  out.num_classes = d.num_classes;
  out.class_names = d.class_names;
  out.height = d.height;
  out.width = d.width;
  return out;
}

Dataset subset(const Dataset& d, std::span<const int> indices) {
  if (indices.empty())
    throw std::invalid_argument("subset: no indices given (a Dataset needs at least one example)");
  const int n = d.size(), cols = d.dim();
  for (size_t i = 0; i < indices.size(); ++i)
    if (indices[i] < 0 || indices[i] >= n)
      throw std::invalid_argument("subset: index " + std::to_string(indices[i]) + " (position " + std::to_string(i) +
                                  ") is outside the dataset's [0," + std::to_string(n) + ")");
  Dataset out = same_kind(d);
  out.images = Tensor::empty({static_cast<int>(indices.size()), cols});
  out.labels.reserve(indices.size());
  const float* src = d.images.data();
  float* dst = out.images.data();
  for (size_t i = 0; i < indices.size(); ++i) {
    std::memcpy(dst + i * cols, src + static_cast<size_t>(indices[i]) * cols, cols * sizeof(float));
    out.labels.push_back(d.labels[indices[i]]);
  }
  return out;
}

Dataset take_per_class(const Dataset& d, int per_class, Rng& rng) {
  if (per_class < 1)
    throw std::invalid_argument("take_per_class: per_class must be >= 1, got " + std::to_string(per_class));
  check_dataset(d, "take_per_class");
  std::vector<std::vector<int>> by_class(d.num_classes);
  for (int i = 0; i < d.size(); ++i) by_class.at(d.labels[i]).push_back(i);

  std::vector<int> chosen;
  for (int c = 0; c < d.num_classes; ++c) {
    auto& idx = by_class[c];
    if (static_cast<int>(idx.size()) < per_class) {
      const std::string name = c < static_cast<int>(d.class_names.size()) ? " (" + d.class_names[c] + ")" : "";
      throw std::invalid_argument("take_per_class: class " + std::to_string(c) + name + " has only " +
                                  std::to_string(idx.size()) + " examples, asked for " + std::to_string(per_class));
    }
    // Partial Fisher–Yates: the first per_class slots become a uniform random sample.
    for (int i = 0; i < per_class; ++i) std::swap(idx[i], idx[i + rng.randint(static_cast<int>(idx.size()) - i)]);
    chosen.insert(chosen.end(), idx.begin(), idx.begin() + per_class);
  }
  // Original order keeps classes interleaved as in the source, and the result
  // depends only on which examples were picked.
  std::sort(chosen.begin(), chosen.end());
  return subset(d, chosen);
}

Dataset first_n(const Dataset& d, int n) {
  if (n < 1 || n > d.size())
    throw std::invalid_argument("first_n: n must be in [1, " + std::to_string(d.size()) + "] (the dataset size), got " +
                                std::to_string(n));
  std::vector<int> idx(n);
  for (int i = 0; i < n; ++i) idx[i] = i;
  return subset(d, idx);
}

Tensor one_hot(std::span<const int> labels, int num_classes) {
  if (num_classes < 1) throw std::invalid_argument("one_hot: num_classes must be >= 1, got " + std::to_string(num_classes));
  if (labels.empty()) throw std::invalid_argument("one_hot: no labels given");
  Tensor t = Tensor::zeros({static_cast<int>(labels.size()), num_classes});
  float* p = t.data();
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= num_classes)
      throw std::invalid_argument("one_hot: label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                                  " is outside [0," + std::to_string(num_classes) + ")");
    p[i * num_classes + labels[i]] = 1.0f;
  }
  return t;
}

}  // namespace aet
