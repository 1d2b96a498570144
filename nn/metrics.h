// metrics.h — scoring a clustering against true labels (tutorial 2).
//
// A clustering names its groups arbitrarily: cluster 3 may be "all the sneakers"
// without the label of sneakers being 3. So we cannot count label == cluster. Two
// standard scores that do not care about the names:
//
//   clustering accuracy (ACC): the fraction of points whose cluster maps to their
//     class under the best one-to-one mapping of clusters to classes,
//         ACC = max_m (1/N) Σ_i 1[ y_i = m(c_i) ]                              (1)
//     The best m is an assignment problem on the confusion matrix, solved exactly
//     by the Hungarian algorithm (Kuhn 1955, Munkres 1957).
//
//   normalised mutual information (NMI), with the arithmetic-mean normalisation
//   that is scikit-learn's default:
//         NMI = I(Y;C) / ((H(Y) + H(C)) / 2)                                   (2)
//     1 when the clustering determines the labels and vice versa, 0 when the
//     two are independent.
//
// Labels and cluster ids are integers >= 0; the number of classes (clusters) is taken
// as the largest id + 1, and ids that never occur simply contribute nothing.
#pragma once
#include <span>
#include <vector>

namespace aet {

// counts[y][c] = number of points with label y in cluster c; (num_classes, num_clusters).
// Throws if the lengths differ or an id is outside [0, num_classes) or [0, num_clusters).
std::vector<std::vector<int>> confusion_matrix(std::span<const int> labels, std::span<const int> clusters,
                                               int num_classes, int num_clusters);

// Eq. (1). Any numbers of classes and clusters: when they differ, the extra clusters
// (or classes) match nothing and their points count as wrong.
// Throws if the lengths differ, are zero, or an id is negative.
double clustering_accuracy(std::span<const int> labels, std::span<const int> clusters);

// Eq. (2), natural logarithms (the base cancels). When both labelings put every point
// in one group, both entropies are 0 and the ratio is 0/0; we return 1.0, since the
// two labelings then agree perfectly (scikit-learn does the same).
// Throws like clustering_accuracy.
double normalized_mutual_info(std::span<const int> labels, std::span<const int> clusters);

// The assignment problem, maximum form: given weight (n rows, m columns, any real
// values), choose at most one column per row and one row per column so that the total
// weight of the chosen pairs is as large as possible, with min(n, m) pairs. Returns,
// for each row, its column, or -1 for the n − m rows left over when n > m.
// O(max(n,m)³). Throws if the rows have different lengths.
std::vector<int> hungarian_max(const std::vector<std::vector<double>>& weight);

}  // namespace aet
