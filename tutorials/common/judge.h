// judge.h — tutorial 5's referee: a plain MLP classifier trained on the real images,
// used to measure whether a generated image shows the class that was asked for.
#pragma once
#include <vector>

#include "autograd/random.h"
#include "datasets/dataset.h"
#include "nn/layers.h"

namespace aet {

// An MLP D-512-256-C (ReLU) trained on `train` with Adam lr 1e-3, batch 128, softmax
// cross-entropy, `epochs` epochs, initialised and shuffled from `rng`.
MLP train_judge(const Dataset& train, int epochs, Rng& rng);

// For each class k in [0, C): of the rows of x labelled k, the share the classifier
// also calls k (0 for a class with no rows). x is (N,D), labels holds N classes.
std::vector<float> accuracy_by_class(const MLP& classifier, const Tensor& x, const std::vector<int>& labels, int C);

}  // namespace aet
