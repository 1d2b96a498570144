// consensus.h — one clustering from many: the vote of aligned partitions.
//
// EM (gmm.h) and K-Means (kmeans.h) stop in a local optimum that depends on their
// start. On a UMAP layout of Fashion-MNIST's codes, twenty starts of the same mixture
// give ACC from 0.52 to 0.66 (tutorial 2), and the likelihood that `n_init` keeps does
// not tell the good starts from the bad. A consensus (a "cluster ensemble", Strehl &
// Ghosh, JMLR 2002) uses all of them instead: a split or merge that one start makes
// by chance is outvoted by the starts that do not make it.
//
// Voting consensus (Dimitriadou, Weingessel & Hornik 2002; Topchy et al. 2005):
// partitions P_1..P_M of the same N points into K clusters name their clusters
// arbitrarily, so each is first relabelled to agree with a reference R:
//   σ_m = argmax over one-to-one maps σ of  Σ_i 1[σ(P_m(i)) = R(i)]            (1)
// (the Hungarian algorithm on the K×K counts of points shared, nn/metrics.h), then
// every point takes the cluster most relabelled partitions give it:
//   C(i) = argmax_j Σ_m 1[σ_m(P_m(i)) = j]                                     (2)
// and R ← C, until C stops changing. The first R is the medoid: the partition with
// the highest mean NMI to all the others, the one that agrees most with the rest.
// Ties in (2) go to the lowest cluster id, so the result depends on nothing but the
// partitions and their order.
#pragma once
#include <vector>

namespace aet {

struct ConsensusResult {
  std::vector<int> assignment;  // (N) C of (2), ids in [0, K)
  int medoid = 0;               // index of the partition that was the first reference
  int rounds = 0;               // rounds of (1)+(2) run
  bool converged = false;       // C did not change in the last round
  double agreement = 0.0;       // mean over points of the fraction of votes C(i) got: 1 when all agree
};

// Throws std::invalid_argument when there are no partitions, their lengths differ or
// are zero, k < 1, a cluster id is outside [0, k), or max_rounds < 1.
ConsensusResult vote_consensus(const std::vector<std::vector<int>>& partitions, int k, int max_rounds = 50);

}  // namespace aet
