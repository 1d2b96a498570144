// picks.cpp — see picks.h.
#include "tutorials/common/picks.h"

namespace aet {

std::vector<int> first_of_each_class(const Dataset& d, int per_class) {
  std::vector<int> picks;
  for (int c = 0; c < d.num_classes; ++c)
    for (int i = 0, found = 0; i < d.size() && found < per_class; ++i)
      if (d.labels[i] == c) picks.push_back(i), ++found;
  return picks;
}

std::vector<int> each_class(int C, int n) {
  std::vector<int> labels;
  for (int k = 0; k < C; ++k) labels.insert(labels.end(), n, k);
  return labels;
}

}  // namespace aet
