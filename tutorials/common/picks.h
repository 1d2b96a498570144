// picks.h — which images a tutorial shows: the first few test images of every class,
// and blocks of class labels for generating "n of each class".
#pragma once
#include <vector>

#include "datasets/dataset.h"

namespace aet {

// Indices of the first `per_class` images of each class, class 0 first, in dataset order
// (no random draw, so the same images appear in every run and every tutorial).
std::vector<int> first_of_each_class(const Dataset& d, int per_class);

// {0,…,0, 1,…,1, …}: each of the C classes n times, for a block of n rows per class.
std::vector<int> each_class(int C, int n);

}  // namespace aet
