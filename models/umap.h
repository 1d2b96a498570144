// umap.h — a small UMAP (McInnes, Healy & Melville 2018), the manifold step of N2D.
//
// K-Means and a Gaussian mixture see clusters as round or elliptic blobs. An
// autoencoder's codes of one kind of clothing lie on a curved, stretched sheet instead.
// N2D (McConville et al. 2020) first lays the codes out again so that only who is near
// whom survives, then fits a Gaussian mixture to that layout:
//   1. a k-nearest-neighbour graph of the codes (exact, by brute force);
//   2. fuzzy edge weights  w_{j|i} = exp(−(d_ij − ρ_i)/σ_i),  ρ_i the distance to i's
//      nearest neighbour, σ_i chosen so that Σ_j w_{j|i} = log2(k); symmetrised as
//      w_ij = w_{j|i} + w_{i|j} − w_{j|i} w_{i|j}  (fuzzy union);
//   3. a layout y (N,dims), started from the graph's spectral embedding (the leading
//      eigenvectors of D^−½ W D^−½), moved by SGD on UMAP's cross-entropy: every edge
//      pulls its ends together with the force of  1/(1 + a d^{2b}),  and random pairs
//      push apart (negative sampling).
// This is the algorithm of umap-learn without its approximate nearest neighbours,
// and single-threaded: for the 10 000 test images it takes seconds.
//
// Shapes: x (N,D) -> y (N,dims).
#pragma once
#include "autograd/random.h"
#include "autograd/tensor.h"

namespace aet {

struct UmapOptions {
  int dims = 10;          // N2D: as many as there are clusters
  int neighbours = 20;    // N2D's n_neighbors
  int epochs = 200;       // umap-learn's default for N > 10 000 is 200
  int negative_samples = 5;
  float a = 1.929f, b = 0.7915f;  // the curve 1/(1 + a d^{2b}) umap-learn fits for min_dist = 0
};

// Throws std::invalid_argument when x is not 2-d, has fewer than neighbours + 2 rows,
// or an option is out of range.
Tensor umap(const Tensor& x, Rng& rng, const UmapOptions& options = {});

}  // namespace aet
