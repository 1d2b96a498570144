// tutorial6.cpp — tasks of tutorial 6 (convolutions): col2im, which conv2d's input gradient
// runs, and the conv encoder's forward.
#include "autograd/kernels/conv.h"
#include "autograd/random.h"
#include "coursework/checker/check.h"
#include "models/conv_halves.h"

namespace aet::coursework {
namespace {

// dx of conv2d = col2im(wᵀ · dY): checked by central differences on awkward geometries
// (stride 2 with padding, where some pixels are read by no window and some by several).
void conv2d_input_gradient() {
  Rng rng(15);
  struct Geometry { int n, c, h, w, k, r, stride, pad; };
  for (const Geometry& g : {Geometry{2, 2, 5, 5, 3, 3, 2, 1}, Geometry{1, 3, 4, 6, 2, 2, 1, 0},
                            Geometry{1, 1, 7, 5, 2, 3, 3, 1}}) {
    Tensor x = Tensor::uniform({g.n, g.c, g.h, g.w}, rng, -1, 1, true);
    Tensor w = Tensor::uniform({g.k, g.c, g.r, g.r}, rng, -1, 1);
    expect_gradients("conv2d input (N,C,H,W) = " + shape_str(x.shape()) + ", weight " + shape_str(w.shape()) +
                         ", stride " + std::to_string(g.stride) + ", padding " + std::to_string(g.pad),
                     [&](std::vector<Tensor>& in) { return conv2d(in[0], w, Tensor(), g.stride, g.pad); }, {x});
  }
}

// conv_transpose2d's forward is col2im too: against the plain seven-loop twin.
void conv_transpose_forward() {
  Rng rng(16);
  Tensor x = Tensor::uniform({2, 3, 3, 4}, rng, -1, 1), w = Tensor::uniform({3, 2, 3, 3}, rng, -1, 1);
  Tensor got = conv_transpose2d(x, w, Tensor(), 2, 1, 1);
  const kernels::ConvGeom g{2, 2, got.dim(2), got.dim(3), 3, 3, 3, 2, 1, 3, 4};
  expect_close("conv_transpose2d(x (2,3,3,4), w (3,2,3,3), stride 2, padding 1)", got,
               kernels::conv_transpose2d_forward_direct(x, w, Tensor(), g), 1e-4f, 1e-4f);
}

// The encoder's forward against the same layers composed from the ops, on two image sides
// (8 and 12), so a wrong reshape or a missing ReLU shows as a wrong value, not only as a
// wrong shape. (The encoder, not the decoder: the decoder's transposed convolutions run
// col2im, task 6.1, and each task is graded on its own.)
void conv_encoder_forward() {
  for (int side : {8, 12}) {
    Rng rng(17 + side);
    ConvEncoder enc("ConvEncoder", side, rng);
    Tensor x = Tensor::uniform({3, side * side}, rng, 0, 1);
    NoGrad no_grad;
    Tensor got = enc(x);
    Tensor h = relu(conv2d(reshape(x, {3, 1, side, side}), enc.conv1.W, enc.conv1.b, 2, 1));
    h = relu(conv2d(h, enc.conv2.W, enc.conv2.b, 2, 1));
    expect_close("ConvEncoder(side " + std::to_string(side) + ") on x (3," + std::to_string(side * side) + ")",
                 got, reshape(h, {3, 64 * (side / 4) * (side / 4)}), 1e-5f, 1e-4f);
  }
}

const bool registered_encoder = add_task(
    {"6.2", 4, "the conv encoder's forward (models/conv_halves.cpp)", {conv_encoder_forward}});

const bool registered = add_task(
    {"6.1", 8, "col2im, the adjoint of im2col (autograd/kernels/conv.cpp)", {conv2d_input_gradient, conv_transpose_forward}});

}  // namespace
}  // namespace aet::coursework
