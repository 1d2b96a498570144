// test_tape.cpp — the tape's contract: accumulation, NoGrad, one backward per
// forward, clear errors, printing.
#include <doctest/doctest.h>

#include <sstream>

#include "autograd/buffer_pool.h"
#include "autograd/ops.h"

using namespace aet;

TEST_CASE("a tensor used twice receives both gradient contributions") {
  // L = x·x + 3x at x = 2: dL/dx = 2x + 3 = 7 (micrograd's classic bug overwrote instead of +=).
  Tensor x = Tensor::from({1}, {2}, true);
  Tensor L = sum(mul(x, x) + scale(x, 3));
  backward(L);
  CHECK(x.grad()[0] == 7.0f);
}

TEST_CASE("parameter gradients accumulate across backward passes until zero_grad") {
  Tensor w = Tensor::from({1}, {1}, true);
  for (int i = 0; i < 3; ++i) {
    Tensor L = sum(scale(w, 2));
    backward(L);
  }
  CHECK(w.grad()[0] == 6.0f);
  w.zero_grad();
  CHECK(w.grad()[0] == 0.0f);
}

TEST_CASE("NoGrad records nothing, and recording resumes after its scope") {
  tape().clear();
  Tensor w = Tensor::from({2}, {1, 2}, true);
  {
    NoGrad guard;
    Tensor y = relu(w * 2.0f);
    CHECK(tape().size() == 0);
    CHECK_FALSE(y.requires_grad());
  }
  Tensor y = relu(w * 2.0f);
  CHECK(tape().size() == 2);
  CHECK(y.requires_grad());
  tape().clear();
}

TEST_CASE("ops on tensors that need no gradient are not recorded") {
  tape().clear();
  Tensor a = Tensor::from({2}, {1, 2}), b = Tensor::from({2}, {3, 4});
  Tensor y = a * b;
  CHECK(tape().size() == 0);
  CHECK_FALSE(y.requires_grad());
}

TEST_CASE("backward twice without a new forward is an error, not double gradients") {
  Tensor w = Tensor::from({1}, {3}, true);
  Tensor L = sum(square(w));
  backward(L);
  CHECK(w.grad()[0] == 6.0f);
  CHECK_THROWS_WITH_AS(backward(L), doctest::Contains("backward was already called for this forward pass"),
                       std::logic_error);
  CHECK(w.grad()[0] == 6.0f);
}

TEST_CASE("backward on a non-scalar names the shape") {
  Tensor w = Tensor::from({2, 2}, {1, 2, 3, 4}, true);
  Tensor y = w * 2.0f;
  CHECK_THROWS_WITH_AS(backward(y),
                       "backward: the loss must be a scalar (one element), got shape (2,2); reduce it first "
                       "with sum() or mean()",
                       std::invalid_argument);
  tape().clear();
}

TEST_CASE("backward on a loss computed under NoGrad is an error") {
  tape().clear();
  Tensor w = Tensor::from({1}, {3}, true);
  Tensor keep = w * 2.0f;  // something else is on the tape
  Tensor L;
  {
    NoGrad guard;
    L = sum(square(w));
  }
  CHECK_THROWS_WITH_AS(backward(L), doctest::Contains("this loss was not recorded on the tape"), std::logic_error);
  tape().clear();
}

TEST_CASE("the tape prints one line per op with shapes, and as Graphviz DOT") {
  tape().clear();
  Tensor x = Tensor::zeros({4, 3});
  Tensor W = Tensor::zeros({3, 2}, true), b = Tensor::zeros({1, 2}, true);
  Tensor L = mean(relu(linear(x, W, b)));
  const std::string s = tape_to_string();
  CHECK(s.find("linear") != std::string::npos);
  CHECK(s.find("(4,3) (3,2) (1,2) -> (4,2)") != std::string::npos);
  CHECK(s.find("relu") != std::string::npos);
  CHECK(s.find("mean") != std::string::npos);
  CHECK(tape().size() == 3);
  std::ostringstream dot;
  write_dot(dot);
  CHECK(dot.str().rfind("digraph tape {", 0) == 0);
  CHECK(dot.str().find("0: linear") != std::string::npos);
  backward(L);
  CHECK(tape().size() == 0);
}

TEST_CASE("backward skips ops no gradient reaches, and ignores branches off the loss") {
  tape().clear();
  Tensor w = Tensor::from({1}, {2}, true);
  Tensor unused = w * 100.0f;  // recorded, but not part of L
  Tensor L = sum(w * 3.0f);
  backward(L);
  CHECK(w.grad()[0] == 3.0f);
}

TEST_CASE("a steady training step stops allocating: buffers come back from the pool") {
  Rng rng(1);
  Tensor W = Tensor::randn({8, 4}, rng, 0.1f, true);
  Tensor x = Tensor::randn({16, 8}, rng);
  auto step = [&] {
    Tensor L = mean(square(relu(matmul(x, W))));
    backward(L);
  };
  step();
  step();
  const auto before = pool_stats().fresh_allocations;
  for (int i = 0; i < 5; ++i) step();
  CHECK(pool_stats().fresh_allocations == before);
}

TEST_CASE("tensor factories validate shapes and sizes") {
  CHECK_THROWS_WITH_AS(Tensor::zeros({2, 0}), "tensor: every dimension must be >= 1, got (2,0)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Tensor::zeros({1, 1, 1, 1, 1}), "tensor: a shape needs 1 to 4 dimensions, got (1,1,1,1,1)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Tensor::from({2, 2}, {1, 2, 3}), "Tensor::from: shape (2,2) holds 4 values, but 3 were given",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Tensor::zeros({2, 2}).item(), "item: tensor has shape (2,2), not one element",
                       std::invalid_argument);
  CHECK_THROWS_AS(Tensor().shape(), std::logic_error);
  Tensor t4 = Tensor::zeros({2, 3, 4, 5});
  CHECK(t4.size() == 120);
  CHECK(t4.dim(-1) == 5);
}

TEST_CASE("a forgotten NoGrad in an evaluation loop is caught before memory runs out") {
  tape().clear();
  Tensor w = Tensor::from({1}, {1}, true);
  bool thrown = false;
  try {
    for (int i = 0; i < 1'100'000; ++i) Tensor y = w * 2.0f;
  } catch (const std::logic_error& e) {
    thrown = true;
    CHECK(std::string(e.what()).find("wrap evaluation and sampling in `NoGrad no_grad;`") != std::string::npos);
  }
  CHECK(thrown);
  tape().clear();
}
