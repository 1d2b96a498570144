// Tutorial 0 — the tape: how the toolkit computes gradients.
// Read README.md beside this file first; this program prints what it describes.
#include <fmt/core.h>

#include <fstream>
#include <iostream>

#include "autograd/ops.h"
#include "datasets/synthetic.h"
#include "nn/layers.h"
#include "nn/losses.h"
#include "nn/optim.h"
#include "tutorials/common/options.h"

using namespace aet;

// Part 1's expression, L = (a·b + c)·f, as a function so we can re-evaluate it.
static Tensor expression(const Tensor& a, const Tensor& b, const Tensor& c, const Tensor& f) {
  Tensor e = a * b;
  Tensor d = e + c;
  return d * f;
}

int main(int argc, char** argv) {
  CommonOptions opt;
  opt.out = "out/00-autograd";
  int steps = 300;
  Flags flags("Tutorial 0: the tape, a gradient check by hand, and a small MLP");
  add_common_flags(flags, opt);
  flags.add("--steps", steps, "training steps for the MLP", range(1, 100000));
  flags.parse(argc, argv);
  try {
    apply_common_flags(opt);
    if (opt.smoke) steps = 20;

    fmt::print("== Part 1: a tiny expression on the tape\n");
    Tensor a = Tensor::from({1}, {2.0f}, true), b = Tensor::from({1}, {-3.0f}, true);
    Tensor c = Tensor::from({1}, {10.0f}, true), f = Tensor::from({1}, {-2.0f}, true);
    Tensor L = expression(a, b, c, f);
    fmt::print("L = (a*b + c)*f = ({}*{} + {})*{} = {}\n", a.item(), b.item(), c.item(), f.item(), L.item());
    fmt::print("the tape, in the order the ops ran:\n");
    print_tape(std::cout);
    backward(L);
    fmt::print("after backward(L):  dL/da = {}  dL/db = {}  dL/dc = {}  dL/df = {}\n", a.grad()[0], b.grad()[0],
               c.grad()[0], f.grad()[0]);
    fmt::print("by the chain rule:  dL/da = b*f = {}  dL/db = a*f = {}  dL/dc = f = {}  dL/df = a*b+c = {}\n\n",
               b.item() * f.item(), a.item() * f.item(), f.item(), a.item() * b.item() + c.item());

    fmt::print("== Part 2: the gradient check, by hand\n");
    {
      NoGrad no_grad;  // evaluating L again must not record anything
      const float h = 1e-2f, a0 = a.item();
      a.data()[0] = a0 + h;
      const float up = expression(a, b, c, f).item();
      a.data()[0] = a0 - h;
      const float down = expression(a, b, c, f).item();
      a.data()[0] = a0;
      fmt::print("(L(a+h) - L(a-h)) / 2h = ({:.4f} - {:.4f}) / {} = {:.4f}   vs backward's {}\n\n", up, down, 2 * h,
                 (up - down) / (2 * h), a.grad()[0]);
    }

    fmt::print("== Part 3: a 2-layer MLP learns two moons\n");
    Rng rng(opt.seed);
    Dataset moons = make_two_moons(opt.smoke ? 64 : 512, 0.1f, rng);
    MLP net({2, 16, 16, 2}, Tanh, rng);
    Adam adam(net.parameters(), {.lr = 0.02f});
    fmt::print("model {} with {} parameters; one forward pass records:\n", net.describe(), net.num_parameters());
    {
      Tensor loss = cross_entropy_loss(net(moons.images), moons.labels);
      print_tape(std::cout);
      std::ofstream dot(opt.out + "/mlp_tape.dot");
      write_dot(dot);
      tape().clear();
    }
    fmt::print("(also written as Graphviz: {}/mlp_tape.dot; render with `dot -Tpng`)\n\n", opt.out);
    fmt::print("{:>6} {:>10} {:>10}\n", "step", "loss", "accuracy");
    for (int step = 1; step <= steps; ++step) {
      adam.zero_grad();                                            // gradients accumulate: clear them
      Tensor logits = net(moons.images);                           // forward: records the tape
      Tensor loss = cross_entropy_loss(logits, moons.labels);
      backward(loss);                                              // walks the tape backwards
      adam.step();                                                 // θ ← θ − α·m̂/(√v̂+ε)
      if (step == 1 || step % 50 == 0 || step == steps)
        fmt::print("{:>6} {:>10.4f} {:>10.3f}\n", step, loss.item(), accuracy(logits, moons.labels));
    }
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
