// dec.h — Deep Embedded Clustering (Xie, Girshick & Farhadi, ICML 2016).
//
// K-Means on an autoencoder's codes clusters codes that were learned for
// reconstruction, not for clustering. DEC keeps training the encoder, and the
// centroids μ_j with it, on a clustering objective that teaches itself:
//   q_ij = Student-t soft assignment of code z_i = encoder(x_i) to μ_j     (1)
//   p_ij = (q_ij² / f_j) / Σ_j' (q_ij'² / f_j'),   f_j = Σ_i q_ij        (2)
//   L    = KL(P ‖ Q)                                                     (3)
// P is a sharpened Q: the confident assignments get more confident, and L pulls Q
// towards it through the encoder. P is recomputed from all the data every
// update_interval steps and held constant between (no gradient flows through it).
// The centroids start at K-Means on the initial codes; training stops when fewer
// than a fraction tol of the points change cluster between two targets.
// (1) is autograd/ops.h's student_t_assign; (2) and (3) are in nn/losses.h.
#pragma once
#include <vector>

#include "nn/layers.h"

namespace aet {

struct DecOptions {
  int batch_size = 256;
  int update_interval = 140;  // SGD steps between refreshes of the target P
  int max_steps = 20000;
  double tol = 0.001;         // stop when this fraction of points or fewer change cluster
  float lr = 0.01f;           // SGD with momentum, the recipe of DEC's Keras port
  float momentum = 0.9f;
};

struct DecResult {
  std::vector<int> assignment;  // (N) argmax_j q_ij at the last target refresh
  std::vector<float> loss;      // KL(P‖Q) of each step's batch
  int steps = 0;
  bool converged = false;       // stopped by tol rather than max_steps
};

class DEC : public Module {
 public:
  // The encoder is shared, not copied (an MLP holds tensor handles): DEC trains the
  // autoencoder's own encoder. centroids (K,Z), Z the encoder's output width.
  DEC(MLP encoder, const Tensor& centroids, float alpha = 1.0f);
  // Centroids from K-Means (n_init restarts) on the encoder's codes of x.
  static DEC from_kmeans(MLP encoder, const Tensor& x, int k, Rng& rng, float alpha = 1.0f);

  Tensor soft_assign(const Tensor& x) const;        // (N,D) -> q (N,K), eq. (1)
  std::vector<int> predict(const Tensor& x) const;  // argmax_j q_ij, under NoGrad

  ParamList parameters() const override;
  int clusters() const { return centroids.rows(); }

  MLP encoder;
  Tensor centroids;  // μ (K,Z), a parameter
  float alpha;
};

// DEC's self-training on x (N,D), minibatches drawn with rng. Throws
// std::invalid_argument when x does not fit the encoder or an option is out of range.
DecResult train_dec(DEC& dec, const Tensor& x, Rng& rng, const DecOptions& options = {});

}  // namespace aet
