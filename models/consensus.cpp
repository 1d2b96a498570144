// consensus.cpp — the voting consensus of consensus.h.
#include "models/consensus.h"

#include <stdexcept>
#include <string>

#include "nn/metrics.h"

namespace aet {

namespace {

void check(const std::vector<std::vector<int>>& partitions, int k, int max_rounds) {
  if (partitions.empty()) throw std::invalid_argument("vote_consensus: no partitions to vote; pass at least one");
  if (k < 1) throw std::invalid_argument("vote_consensus: k must be >= 1, got " + std::to_string(k));
  if (max_rounds < 1)
    throw std::invalid_argument("vote_consensus: max_rounds must be >= 1, got " + std::to_string(max_rounds));
  const size_t n = partitions[0].size();
  if (n == 0) throw std::invalid_argument("vote_consensus: partition 0 has no points");
  for (size_t m = 0; m < partitions.size(); ++m) {
    if (partitions[m].size() != n)
      throw std::invalid_argument("vote_consensus: partition 0 has " + std::to_string(n) + " points but partition " +
                                  std::to_string(m) + " has " + std::to_string(partitions[m].size()) +
                                  "; every partition must label the same points");
    for (size_t i = 0; i < n; ++i)
      if (partitions[m][i] < 0 || partitions[m][i] >= k)
        throw std::invalid_argument("vote_consensus: partition " + std::to_string(m) + " puts point " +
                                    std::to_string(i) + " in cluster " + std::to_string(partitions[m][i]) +
                                    ", outside [0, " + std::to_string(k) + ")");
  }
}

// σ of eq. (1): relabel[c] is the reference's cluster that p's cluster c maps onto.
std::vector<int> align(const std::vector<int>& p, const std::vector<int>& reference, int k) {
  const std::vector<std::vector<int>> shared = confusion_matrix(p, reference, k, k);  // [c of p][j of R]
  std::vector<std::vector<double>> weight(k, std::vector<double>(k));
  for (int c = 0; c < k; ++c)
    for (int j = 0; j < k; ++j) weight[c][j] = shared[c][j];
  return hungarian_max(weight);  // square, so every c gets a j
}

int medoid_of(const std::vector<std::vector<int>>& partitions) {
  const size_t M = partitions.size();
  std::vector<double> total(M, 0.0);
  for (size_t a = 0; a < M; ++a)
    for (size_t b = a + 1; b < M; ++b) {
      const double s = normalized_mutual_info(partitions[a], partitions[b]);
      total[a] += s;
      total[b] += s;
    }
  size_t best = 0;
  for (size_t m = 1; m < M; ++m)
    if (total[m] > total[best]) best = m;
  return int(best);
}

}  // namespace

ConsensusResult vote_consensus(const std::vector<std::vector<int>>& partitions, int k, int max_rounds) {
  check(partitions, k, max_rounds);
  const size_t n = partitions[0].size();
  ConsensusResult r;
  r.medoid = medoid_of(partitions);
  r.assignment = partitions[r.medoid];
  std::vector<int> votes(size_t(k) * n);
  while (r.rounds < max_rounds && !r.converged) {
    std::fill(votes.begin(), votes.end(), 0);
    for (const std::vector<int>& p : partitions) {
      const std::vector<int> relabel = align(p, r.assignment, k);
      for (size_t i = 0; i < n; ++i) ++votes[i * k + relabel[p[i]]];
    }
    std::vector<int> next(n);
    long won = 0;
    for (size_t i = 0; i < n; ++i) {
      int best = 0;  // eq. (2); the first maximum wins ties
      for (int j = 1; j < k; ++j)
        if (votes[i * k + j] > votes[i * k + best]) best = j;
      next[i] = best;
      won += votes[i * k + best];
    }
    r.agreement = double(won) / (double(n) * double(partitions.size()));
    r.converged = next == r.assignment;
    r.assignment = std::move(next);
    ++r.rounds;
  }
  return r;
}

}  // namespace aet
