// dataset.h — an in-memory labelled dataset and the ways we cut it down.
//
// Every loader (Fashion-MNIST, the synthetic sets) returns a Dataset: one (N,D)
// tensor of examples, one label per row, and enough metadata (class names, image
// side) for tutorials to print and draw it. Experiments rarely use all of it — "1000
// labelled images, 100 per class, fixed seed" is take_per_class(train, 100, rng) —
// so the cutting helpers live here too, next to one_hot for classifier targets.
#pragma once
#include <span>
#include <string>
#include <vector>

#include "autograd/random.h"
#include "autograd/tensor.h"

namespace aet {

enum class Split { Train, Test };
const char* split_name(Split s);  // "train" / "test"

struct Dataset {
  Tensor images;                         // (N,D) float32; pixels in [0,1] for image data
  std::vector<int> labels;               // N labels in [0, num_classes)
  int num_classes = 0;
  std::vector<std::string> class_names;  // num_classes names
  int height = 0, width = 0;             // e.g. 28×28 with D = height·width; 0 for non-image data

  int size() const { return images.defined() ? images.rows() : 0; }  // N
  int dim() const { return images.defined() ? images.cols() : 0; }   // D
  bool is_image() const { return height > 0 && width > 0; }
};

// Throws std::invalid_argument unless the pieces of `d` agree (N labels, labels in
// range, class names, height·width == D). `what` names the dataset in the message.
void check_dataset(const Dataset& d, const std::string& what);

// The rows `indices` of `d`, in that order (repeats allowed). Throws on an empty
// list (a Tensor needs at least one row) or an index outside [0, N).
Dataset subset(const Dataset& d, std::span<const int> indices);

// `per_class` examples of every class, drawn at random with `rng`, returned in
// their original order. Throws if some class has fewer than `per_class` examples.
Dataset take_per_class(const Dataset& d, int per_class, Rng& rng);

// The first n examples; 1 <= n <= N.
Dataset first_n(const Dataset& d, int n);

// (N,C) targets: row i is 1 at column labels[i], 0 elsewhere. Throws on an empty
// list or a label outside [0, num_classes).
Tensor one_hot(std::span<const int> labels, int num_classes);

}  // namespace aet
