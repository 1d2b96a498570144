// umap.cpp — the three steps of umap.h.
#include "models/umap.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/thread_pool.h"

namespace aet {

namespace {

struct Edge {
  int i, j;
  float w;
};

// Step 1: the k nearest neighbours of every row (itself excluded), by brute force.
// nbr (N,k) indices and dist (N,k) Euclidean distances, nearest first.
void nearest_neighbours(const Tensor& x, int k, std::vector<int>& nbr, std::vector<float>& dist) {
  const int N = x.rows(), D = x.cols();
  nbr.assign(size_t(N) * k, 0);
  dist.assign(size_t(N) * k, 0.0f);
  parallel_chunks(N, 64, [&](size_t lo, size_t hi) {
    std::vector<std::pair<float, int>> d(N);
    for (size_t i = lo; i < hi; ++i) {
      const float* xi = x.data() + i * D;
      for (int j = 0; j < N; ++j) {
        const float* xj = x.data() + size_t(j) * D;
        float s = 0.0f;
        for (int c = 0; c < D; ++c) s += (xi[c] - xj[c]) * (xi[c] - xj[c]);
        d[j] = {j == int(i) ? INFINITY : s, j};
      }
      std::partial_sort(d.begin(), d.begin() + k, d.end());
      for (int n = 0; n < k; ++n) {
        nbr[i * k + n] = d[n].second;
        dist[i * k + n] = std::sqrt(d[n].first);
      }
    }
  }, 1);
}

// Step 2: the fuzzy weights w_{j|i}, then their fuzzy union, one edge per pair i < j.
std::vector<Edge> fuzzy_graph(int N, int k, const std::vector<int>& nbr, const std::vector<float>& dist) {
  std::vector<Edge> directed;
  directed.reserve(size_t(N) * k);
  const double target = std::log2(double(k));
  for (int i = 0; i < N; ++i) {
    const float* d = &dist[size_t(i) * k];
    const double rho = d[0];
    double lo = 0.0, hi = INFINITY, sigma = 1.0;
    for (int it = 0; it < 64; ++it) {  // bisection on σ_i: Σ_j w_{j|i} rises with σ_i
      double s = 0.0;
      for (int n = 0; n < k; ++n) s += std::exp(-std::max(0.0, d[n] - rho) / sigma);
      if (std::fabs(s - target) < 1e-5) break;
      if (s > target) hi = sigma; else lo = sigma;
      sigma = std::isinf(hi) ? sigma * 2.0 : (lo + hi) / 2.0;
    }
    for (int n = 0; n < k; ++n) {
      const int j = nbr[size_t(i) * k + n];
      const float w = float(std::exp(-std::max(0.0, d[n] - rho) / sigma));
      directed.push_back({std::min(i, j), std::max(i, j), w});
    }
  }
  std::sort(directed.begin(), directed.end(),
            [](const Edge& a, const Edge& b) { return a.i != b.i ? a.i < b.i : a.j < b.j; });
  std::vector<Edge> edges;
  for (size_t e = 0; e < directed.size(); ++e) {
    if (!edges.empty() && edges.back().i == directed[e].i && edges.back().j == directed[e].j) {
      float& w = edges.back().w;  // both directions present: w_{j|i} + w_{i|j} − w_{j|i} w_{i|j}
      w = w + directed[e].w - w * directed[e].w;
    } else {
      edges.push_back(directed[e]);
    }
  }
  return edges;
}

// Step 3a: the spectral start. Subspace iteration on (I + D^−½ W D^−½)/2, whose
// eigenvalues are in [0, 1] and ordered like those of the normalised adjacency; the
// first eigenvector (∝ √degree) carries no layout and is dropped.
Tensor spectral_start(int N, int dims, const std::vector<Edge>& edges, Rng& rng) {
  std::vector<double> deg(N, 0.0);
  for (const Edge& e : edges) deg[e.i] += e.w, deg[e.j] += e.w;
  const int B = dims + 1;
  std::vector<double> v(size_t(N) * B), mv(size_t(N) * B);  // (N,B), column b at [i*B + b]
  for (double& t : v) t = rng.normal();
  for (int it = 0; it < 300; ++it) {
    for (size_t t = 0; t < v.size(); ++t) mv[t] = 0.5 * v[t];
    for (const Edge& e : edges) {
      const double s = 0.5 * e.w / std::sqrt(std::max(deg[e.i], 1e-12) * std::max(deg[e.j], 1e-12));
      for (int b = 0; b < B; ++b) {
        mv[size_t(e.i) * B + b] += s * v[size_t(e.j) * B + b];
        mv[size_t(e.j) * B + b] += s * v[size_t(e.i) * B + b];
      }
    }
    for (int b = 0; b < B; ++b) {  // Gram–Schmidt, column by column
      for (int c = 0; c < b; ++c) {
        double dot = 0.0;
        for (int i = 0; i < N; ++i) dot += mv[size_t(i) * B + b] * mv[size_t(i) * B + c];
        for (int i = 0; i < N; ++i) mv[size_t(i) * B + b] -= dot * mv[size_t(i) * B + c];
      }
      double norm = 0.0;
      for (int i = 0; i < N; ++i) norm += mv[size_t(i) * B + b] * mv[size_t(i) * B + b];
      norm = std::sqrt(std::max(norm, 1e-300));
      for (int i = 0; i < N; ++i) mv[size_t(i) * B + b] /= norm;
    }
    std::swap(v, mv);
  }
  // umap-learn scales the start so its largest coordinate is 10.
  double peak = 1e-12;
  for (int i = 0; i < N; ++i)
    for (int b = 1; b < B; ++b) peak = std::max(peak, std::fabs(v[size_t(i) * B + b]));
  Tensor y = Tensor::empty({N, dims});
  for (int i = 0; i < N; ++i)
    for (int b = 1; b < B; ++b) y.data()[size_t(i) * dims + b - 1] = float(10.0 * v[size_t(i) * B + b] / peak);
  return y;
}

float clip(float g) { return std::clamp(g, -4.0f, 4.0f); }

// Step 3b: umap-learn's SGD. Edge e is visited every w_max / w_e epochs; each visit pulls
// its ends together and pushes its first end away from `negative_samples` random points.
// The step size falls linearly from 1 to 0.
void optimise_layout(Tensor& y, const std::vector<Edge>& edges, Rng& rng, const UmapOptions& o) {
  const int N = y.rows(), Z = y.cols();
  float w_max = 0.0f;
  for (const Edge& e : edges) w_max = std::max(w_max, e.w);
  std::vector<float> every(edges.size()), next(edges.size());
  for (size_t e = 0; e < edges.size(); ++e) next[e] = every[e] = w_max / edges[e].w;
  float* Y = y.data();
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    const float lr = 1.0f - float(epoch - 1) / float(o.epochs);
    for (size_t e = 0; e < edges.size(); ++e) {
      if (next[e] > epoch) continue;
      next[e] += every[e];
      float* yi = Y + size_t(edges[e].i) * Z;
      float* yj = Y + size_t(edges[e].j) * Z;
      float d2 = 0.0f;
      for (int c = 0; c < Z; ++c) d2 += (yi[c] - yj[c]) * (yi[c] - yj[c]);
      if (d2 > 0.0f) {  // attraction: −∂/∂y log(1/(1 + a d^{2b}))
        const float g = -2.0f * o.a * o.b * std::pow(d2, o.b - 1.0f) / (1.0f + o.a * std::pow(d2, o.b));
        for (int c = 0; c < Z; ++c) {
          const float step = clip(g * (yi[c] - yj[c])) * lr;
          yi[c] += step;
          yj[c] -= step;
        }
      }
      for (int s = 0; s < o.negative_samples; ++s) {  // repulsion: −∂/∂y log(1 − 1/(1 + a d^{2b}))
        const float* yk = Y + size_t(rng.randint(N)) * Z;
        if (yk == yi) continue;
        float n2 = 0.0f;
        for (int c = 0; c < Z; ++c) n2 += (yi[c] - yk[c]) * (yi[c] - yk[c]);
        const float g = 2.0f * o.b / ((0.001f + n2) * (1.0f + o.a * std::pow(n2, o.b)));
        for (int c = 0; c < Z; ++c) yi[c] += (g > 0.0f ? clip(g * (yi[c] - yk[c])) : 4.0f) * lr;
      }
    }
  }
}

}  // namespace

Tensor umap(const Tensor& x, Rng& rng, const UmapOptions& o) {
  if (x.ndim() != 2) throw std::invalid_argument("umap: x must be 2-d (N,D), got " + shape_str(x.shape()));
  if (o.neighbours < 2 || o.dims < 1 || o.epochs < 0 || o.negative_samples < 0 || !(o.a > 0.0f) || !(o.b > 0.0f))
    throw std::invalid_argument("umap: neighbours must be >= 2, dims >= 1, epochs and negative_samples >= 0, a and b > 0");
  if (x.rows() < o.neighbours + 2)
    throw std::invalid_argument("umap: " + std::to_string(x.rows()) + " rows are too few for " +
                                std::to_string(o.neighbours) + " neighbours (need neighbours + 2)");
  const int N = x.rows(), k = o.neighbours;
  std::vector<int> nbr;
  std::vector<float> dist;
  nearest_neighbours(x, k, nbr, dist);
  const std::vector<Edge> edges = fuzzy_graph(N, k, nbr, dist);
  Tensor y = spectral_start(N, o.dims, edges, rng);
  optimise_layout(y, edges, rng, o);
  return y;
}

}  // namespace aet
