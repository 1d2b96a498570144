// tutorial2.cpp — tasks of tutorial 2 (clustering): the K-Means assignment step, ACC.
#include <fmt/format.h>

#include <vector>

#include "autograd/random.h"
#include "coursework/checker/check.h"
#include "models/kmeans.h"
#include "nn/metrics.h"

namespace aet::coursework {
namespace {

// Four points, two centroids, worked out by hand: distances² to c0 = (0,0) and c1 = (4,0).
void assignment_by_hand() {
  Tensor x = Tensor::from({4, 2}, {0, 1, 3, 0, 5, 1, 2, 0});
  Tensor c = Tensor::from({2, 2}, {0, 0, 4, 0});
  std::vector<int> a;
  const double j = assign_to_centroids_naive(x, c, a);
  const std::vector<int> want{0, 1, 1, 0};  // (2,0) is 4 from both: the lower index wins
  if (a.size() != want.size()) fail(fmt::format("assignment has {} entries for 4 points", a.size()));
  for (size_t i = 0; i < want.size(); ++i)
    if (a[i] != want[i])
      fail(fmt::format("point {} ({}, {}): assigned to centroid {}, expected {}", i, x.data()[2 * i],
                       x.data()[2 * i + 1], a[i], want[i]));
  expect_close("inertia J = 1 + 1 + 2 + 4", j, 8.0);
}

// Against the library's fast assignment on random data (300 points, 7 features, 5 centroids).
void assignment_matches_fast() {
  Rng rng(8);
  Tensor x = Tensor::randn({300, 7}, rng), c = Tensor::randn({5, 7}, rng);
  std::vector<int> mine, fast;
  const double j = assign_to_centroids_naive(x, c, mine);
  const double j_fast = assign_to_centroids(x, c, fast);
  for (size_t i = 0; i < fast.size(); ++i)
    if (mine[i] != fast[i])
      fail(fmt::format("point {} of 300 random points: assigned to centroid {}, the nearest is {}", i, mine[i], fast[i]));
  expect_close("inertia on 300 random points", j, j_fast, 1e-6, 1e-5);
}

void accuracy_by_hand() {
  // Clusters are names: the same grouping under other names is perfect.
  const std::vector<int> labels{0, 0, 1, 1, 2, 2};
  expect_close("ACC of a relabelled perfect clustering", clustering_accuracy(labels, std::vector<int>{2, 2, 0, 0, 1, 1}), 1.0);
  // Confusion counts [[3,1],[1,3]] (rows: class): the best matching 0→0, 1→1 gives 6 of 8.
  expect_close("ACC with counts [[3,1],[1,3]]",
               clustering_accuracy(std::vector<int>{0, 0, 0, 0, 1, 1, 1, 1}, std::vector<int>{1, 1, 1, 0, 0, 1, 0, 0}),
               6.0 / 8.0);
  // Greedy fails here: class 0's biggest cluster (c0, 3 points) is class 1's only one;
  // the best one-to-one matching is 0→c1, 1→c0: (2 + 2) of 7, not greedy's 3 of 7.
  expect_close("ACC where a greedy matching is wrong",
               clustering_accuracy(std::vector<int>{0, 0, 0, 0, 0, 1, 1}, std::vector<int>{0, 0, 0, 1, 1, 0, 0}),
               4.0 / 7.0);
}

void accuracy_more_clusters() {
  // 3 clusters, 2 classes: one cluster matches nothing and its points count as wrong.
  expect_close("ACC with 3 clusters for 2 classes",
               clustering_accuracy(std::vector<int>{0, 0, 0, 1, 1, 1}, std::vector<int>{0, 0, 2, 1, 1, 2}), 4.0 / 6.0);
}

const bool registered =
    add_task({"2.1", 8, "the K-Means assignment step (models/kmeans.cpp)", {assignment_by_hand, assignment_matches_fast}}) &&
    add_task({"2.2", 8, "clustering accuracy via the Hungarian matching (nn/metrics.cpp)",
              {accuracy_by_hand, accuracy_more_clusters}});

}  // namespace
}  // namespace aet::coursework
