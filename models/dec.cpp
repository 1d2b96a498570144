// dec.cpp — the self-training loop of dec.h.
#include "models/dec.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "models/kmeans.h"
#include "nn/losses.h"
#include "nn/optim.h"

namespace aet {

DEC::DEC(MLP enc, const Tensor& initial_centroids, float a)
    : encoder(std::move(enc)), centroids(initial_centroids.clone()), alpha(a) {
  check_2d("DEC", centroids, "centroids");
  if (centroids.cols() != encoder.widths().back())
    throw std::invalid_argument("DEC: centroids " + shape_str(centroids.shape()) + " need " +
                                std::to_string(encoder.widths().back()) + " columns, the encoder's code size");
  if (!(alpha > 0.0f)) throw std::invalid_argument("DEC: alpha must be > 0, got " + std::to_string(alpha));
  centroids.set_requires_grad(true);
}

DEC DEC::from_kmeans(MLP encoder, const Tensor& x, int k, Rng& rng, float alpha) {
  Tensor z;
  {
    NoGrad no_grad;
    z = encoder(x);
  }
  return DEC(std::move(encoder), kmeans(z, k, rng).centroids, alpha);
}

Tensor DEC::soft_assign(const Tensor& x) const { return student_t_assign(encoder(x), centroids, alpha); }

std::vector<int> DEC::predict(const Tensor& x) const {
  NoGrad no_grad;
  const Tensor q = soft_assign(x);
  std::vector<int> a(q.rows());
  for (int i = 0; i < q.rows(); ++i) {
    const float* r = q.data() + size_t(i) * q.cols();
    a[i] = static_cast<int>(std::max_element(r, r + q.cols()) - r);
  }
  return a;
}

ParamList DEC::parameters() const {
  return join({prefixed("encoder", encoder.parameters()), {{"centroids", centroids}}});
}

// Rows idx[lo], ..., idx[hi − 1] of t, in that order: one minibatch.
static Tensor gather_rows(const Tensor& t, const std::vector<int>& idx, size_t lo, size_t hi) {
  const int C = t.cols();
  Tensor out = Tensor::empty({static_cast<int>(hi - lo), C});
  for (size_t r = lo; r < hi; ++r)
    std::copy_n(t.data() + size_t(idx[r]) * C, C, out.data() + (r - lo) * C);
  return out;
}

DecResult train_dec(DEC& dec, const Tensor& x, Rng& rng, const DecOptions& o) {
  check_2d("train_dec", x, "x");
  if (x.cols() != dec.encoder.widths().front())
    throw std::invalid_argument("train_dec: x has " + std::to_string(x.cols()) + " columns but the encoder takes " +
                                std::to_string(dec.encoder.widths().front()));
  if (o.batch_size < 1 || o.update_interval < 1 || o.max_steps < 0 || !(o.tol >= 0.0))
    throw std::invalid_argument("train_dec: batch_size and update_interval must be >= 1, max_steps and tol >= 0");
  const int N = x.rows();
  SGD opt(dec.parameters(), {.lr = o.lr, .momentum = o.momentum});
  DecResult result;
  std::vector<int> order(N);
  std::iota(order.begin(), order.end(), 0);
  Tensor p;
  size_t at = N;  // position in the shuffled order; N forces a shuffle first
  for (int step = 0; step < o.max_steps; ++step) {
    if (step % o.update_interval == 0) {  // refresh the target (2) from all the data
      Tensor q;
      {
        NoGrad no_grad;
        q = dec.soft_assign(x);
      }
      p = dec_target(q);
      std::vector<int> a = dec.predict(x);
      if (step > 0) {
        int changed = 0;
        for (int i = 0; i < N; ++i) changed += a[i] != result.assignment[i];
        result.assignment = std::move(a);
        if (changed <= o.tol * N) {
          result.converged = true;
          break;
        }
      } else {
        result.assignment = std::move(a);
      }
    }
    if (at + o.batch_size > size_t(N)) {  // a fresh permutation each epoch (Fisher–Yates)
      for (int i = N - 1; i > 0; --i) std::swap(order[i], order[rng.randint(i + 1)]);
      at = 0;
    }
    const size_t hi = std::min(size_t(N), at + o.batch_size);
    opt.zero_grad();
    Tensor loss = dec_kl_loss(dec.soft_assign(gather_rows(x, order, at, hi)), gather_rows(p, order, at, hi));
    result.loss.push_back(loss.item());
    backward(loss);
    opt.step();
    at = hi;
    result.steps = step + 1;
  }
  return result;
}

}  // namespace aet
