// conv_halves.cpp — the layers of conv_halves.h, in order.
#include "models/conv_halves.h"

#include <stdexcept>

#include "autograd/task.h"

namespace aet {

ConvEncoder::ConvEncoder(const std::string& model, int side, Rng& rng) : model_(model), side_(side) {
  if (side < 4 || side % 4 != 0)
    throw std::invalid_argument(model + ": the image side must be a positive multiple of 4 (two stride-2 "
                                "layers halve it twice), got " + std::to_string(side));
  // PyTorch's default initialisation (as ConvAutoencoder), so the recipe compares with its peer.
  conv1 = Conv2d(1, 32, 3, rng, 2, 1);
  conv2 = Conv2d(32, 64, 3, rng, 2, 1);
}

Tensor ConvEncoder::operator()(const Tensor& x) const {
  const int D = side_ * side_;
  if (x.ndim() != 2 || x.cols() != D)
    throw std::invalid_argument(model_ + ": input has shape " + shape_str(x.shape()) +
                                ", but the model was built for (N," + std::to_string(D) + ") rows of " +
                                std::to_string(side_) + "x" + std::to_string(side_) + " images");
  const int N = x.rows();
  // TASK 6.2 BEGIN: rows (N,S·S) → images (N,1,S,S) → conv1+ReLU → conv2+ReLU → flattened (N,F)
  Tensor h = reshape(x, {N, 1, side_, side_});
  h = conv1(h, ReLU);                      // (N,32,S/2,S/2)
  h = conv2(h, ReLU);                      // (N,64,S/4,S/4)
  return reshape(h, {N, features()});      // (N,F)
  // TASK 6.2 STUB
  // (void)N;
  // task_not_done("6.2", "write the conv encoder's forward, ConvEncoder::operator(), in models/conv_halves.cpp");
  // TASK 6.2 END
}

ParamList ConvEncoder::parameters() const {
  return join({prefixed("conv1", conv1.parameters()), prefixed("conv2", conv2.parameters())});
}

ConvDecoder::ConvDecoder(int in, int side, Rng& rng) : side_(side) {
  const int s = side / 4;
  dense = Linear(in, 64 * s * s, Init::Uniform, rng);
  up1 = ConvTranspose2d(64, 64, 3, rng, 2, 1, 1);
  up2 = ConvTranspose2d(64, 32, 3, rng, 2, 1, 1);
  out = Conv2d(32, 1, 3, rng, 1, 1);
}

Tensor ConvDecoder::operator()(const Tensor& c) const {
  const int N = c.rows(), s = side_ / 4;
  Tensor h = dense(c, ReLU);               // (N,F)
  h = reshape(h, {N, 64, s, s});
  h = up1(h, ReLU);                        // (N,64,S/2,S/2)
  h = up2(h, ReLU);                        // (N,32,S,S)
  h = out(h);                              // (N,1,S,S)
  return reshape(h, {N, side_ * side_});   // logits (N,D)
}

ParamList ConvDecoder::parameters() const {
  return join({prefixed("dense", dense.parameters()), prefixed("up1", up1.parameters()),
               prefixed("up2", up2.parameters()), prefixed("out", out.parameters())});
}

}  // namespace aet
