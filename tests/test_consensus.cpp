// test_consensus.cpp — the voting consensus of models/consensus.h, on partitions whose
// truth we know: the truth with its clusters renamed, and with points moved at random.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/random.h"
#include "models/consensus.h"
#include "nn/metrics.h"

using namespace aet;

namespace {

// truth with cluster c renamed to names[c].
std::vector<int> renamed(const std::vector<int>& truth, const std::vector<int>& names) {
  std::vector<int> p(truth.size());
  for (size_t i = 0; i < truth.size(); ++i) p[i] = names[truth[i]];
  return p;
}

std::vector<int> shuffled_names(int k, Rng& rng) {
  std::vector<int> names(k);
  std::iota(names.begin(), names.end(), 0);
  for (int i = k - 1; i > 0; --i) std::swap(names[i], names[rng.randint(i + 1)]);
  return names;
}

}  // namespace

TEST_CASE("vote_consensus: a hand-worked vote of three renamed partitions") {
  // Six points, two clusters. B is A renamed; C is A renamed with point 5 moved. After
  // aligning to the medoid, points 0-2 get 3 votes for one cluster, point 5 gets 2 of 3
  // for A's side: the vote is A, up to names, and 17 of the 18 votes agree with it.
  const std::vector<int> A{0, 0, 0, 1, 1, 1}, B{1, 1, 1, 0, 0, 0}, C{1, 1, 1, 0, 0, 1};
  const ConsensusResult r = vote_consensus({A, B, C}, 2);
  CHECK(clustering_accuracy(A, r.assignment) == 1.0);
  CHECK(r.converged);
  CHECK(r.agreement == doctest::Approx(17.0 / 18.0));
  CHECK(r.medoid != 2);  // C agrees least with the others
}

TEST_CASE("vote_consensus: renamed copies of one partition give it back, every vote agreeing") {
  Rng rng(3);
  const int n = 300, k = 5;
  std::vector<int> truth(n);
  for (int i = 0; i < n; ++i) truth[i] = rng.randint(k);
  std::vector<std::vector<int>> ps;
  for (int m = 0; m < 6; ++m) ps.push_back(renamed(truth, shuffled_names(k, rng)));
  const ConsensusResult r = vote_consensus(ps, k);
  CHECK(clustering_accuracy(truth, r.assignment) == 1.0);
  CHECK(r.agreement == 1.0);
  CHECK(r.rounds == 1);
  CHECK(r.converged);
}

TEST_CASE("vote_consensus: the vote of noisy partitions beats every one of them") {
  // Each partition is the truth, renamed, with 30 % of its points moved to a random
  // cluster: ACC ≈ 0.76 each. Their errors are independent, so the vote of 15 is
  // right almost everywhere a majority is, far above any single partition.
  Rng rng(11);
  const int n = 2000, k = 8, M = 15;
  std::vector<int> truth(n);
  for (int i = 0; i < n; ++i) truth[i] = i % k;
  std::vector<std::vector<int>> ps;
  double best_single = 0.0;
  for (int m = 0; m < M; ++m) {
    std::vector<int> p = truth;
    for (int i = 0; i < n; ++i)
      if (rng.uniform() < 0.3f) p[i] = rng.randint(k);
    best_single = std::max(best_single, clustering_accuracy(truth, p));
    ps.push_back(renamed(p, shuffled_names(k, rng)));
  }
  const ConsensusResult r = vote_consensus(ps, k);
  const double acc = clustering_accuracy(truth, r.assignment);
  CHECK(best_single < 0.80);
  CHECK(acc > 0.99);
  CHECK(r.converged);
  CHECK(r.agreement < 0.9);  // the partitions disagree, and the agreement says how much
}

TEST_CASE("vote_consensus: the same partitions give the same vote") {
  Rng rng(5);
  std::vector<std::vector<int>> ps(4, std::vector<int>(100));
  for (auto& p : ps)
    for (int& c : p) c = rng.randint(3);
  CHECK(vote_consensus(ps, 3).assignment == vote_consensus(ps, 3).assignment);
}

TEST_CASE("vote_consensus: input errors a student can act on") {
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message([] { vote_consensus({}, 3); }).find("no partitions") != std::string::npos);
  CHECK(message([] { vote_consensus({{0, 1}, {0, 1, 1}}, 2); }).find("partition 0 has 2 points but partition 1 has 3") != std::string::npos);
  CHECK(message([] { vote_consensus({{0, 1}, {0, 2}}, 2); }).find("partition 1 puts point 1 in cluster 2") !=
        std::string::npos);
  CHECK(message([] { vote_consensus({{0, -1}}, 2); }).find("cluster -1") != std::string::npos);
  CHECK(message([] { vote_consensus({{}}, 2); }).find("no points") != std::string::npos);
  CHECK(message([] { vote_consensus({{0}}, 0); }).find("k must be >= 1") != std::string::npos);
  CHECK(message([] { vote_consensus({{0}}, 1, 0); }).find("max_rounds") != std::string::npos);
}
