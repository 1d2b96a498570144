// cvae_pictures.cpp — see cvae_pictures.h.
#include "tutorials/common/cvae_pictures.h"

#include <algorithm>

#include "autograd/tape.h"
#include "nn/losses.h"
#include "tutorials/common/image_grid.h"
#include "tutorials/common/picks.h"

namespace aet {

Tensor generate(const CVAE& cvae, const std::vector<int>& labels, float tau, Rng& rng) {
  NoGrad no_grad;
  Tensor z = Tensor::randn({int(labels.size()), cvae.latent_dim()}, rng, tau);
  return cvae.decode(z, one_hot(labels, cvae.num_classes()));
}

void write_style_transfer(const std::string& path, const CVAE& cvae, int S, float tau, Rng& rng,
                          const std::vector<std::string>& class_names) {
  const int C = cvae.num_classes(), Z = cvae.latent_dim();
  Tensor z = Tensor::randn({S, Z}, rng, tau);
  Tensor z_rows = Tensor::zeros({C * S, Z});  // the same S codes repeated for each class
  for (int k = 0; k < C; ++k) std::copy_n(z.data(), z.size(), z_rows.data() + size_t(k) * z.size());
  Tensor transfer;
  {
    NoGrad no_grad;
    transfer = cvae.decode(z_rows, one_hot(each_class(C, S), C));
  }
  write_image_grid(path, transfer, 28, 28, S, 3, class_names);
}

}  // namespace aet
