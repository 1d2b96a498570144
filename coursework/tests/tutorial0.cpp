// tutorial0.cpp — tasks of tutorial 0 (autograd): two backward passes.
#include "autograd/random.h"
#include "coursework/checker/check.h"

namespace aet::coursework {
namespace {

// Inputs spread over [-2, 2], where tanh is neither flat nor linear.
void tanh_gradient() {
  Rng rng(1);
  expect_gradients("tanh", [](std::vector<Tensor>& in) { return aet::tanh(in[0]); },
                   {Tensor::uniform({3, 5}, rng, -2.0f, 2.0f, true)});
}

void tanh_accumulates() {  // a value used twice gets both contributions: y = tanh(x) + tanh(x)
  Rng rng(2);
  expect_gradients("tanh(x) + tanh(x)", [](std::vector<Tensor>& in) { return aet::tanh(in[0]) + aet::tanh(in[0]); },
                   {Tensor::uniform({2, 3}, rng, -1.5f, 1.5f, true)});
}

void add_row_broadcast() {
  Rng rng(3);
  expect_gradients("add(a (4,3), b (1,3))", [](std::vector<Tensor>& in) { return add(in[0], in[1]); },
                   {Tensor::uniform({4, 3}, rng, -1, 1, true), Tensor::uniform({1, 3}, rng, -1, 1, true)});
  expect_gradients("add(a (5,2), b (2))", [](std::vector<Tensor>& in) { return add(in[0], in[1]); },
                   {Tensor::uniform({5, 2}, rng, -1, 1, true), Tensor::uniform({2}, rng, -1, 1, true)});
}

void add_same_shape() {
  Rng rng(4);
  expect_gradients("add(a (3,3), b (3,3))", [](std::vector<Tensor>& in) { return add(in[0], in[1]); },
                   {Tensor::uniform({3, 3}, rng, -1, 1, true), Tensor::uniform({3, 3}, rng, -1, 1, true)});
}

const bool registered =
    add_task({"0.1", 6, "tanh's backward (autograd/ops_unary.cpp)", {tanh_gradient, tanh_accumulates}}) &&
    add_task({"0.2", 8, "add's backward for a broadcast row (ops_arith.cpp)", {add_row_broadcast, add_same_shape}});

}  // namespace
}  // namespace aet::coursework
