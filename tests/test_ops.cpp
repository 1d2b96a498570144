// test_ops.cpp — a central-difference gradient check for every op, on every
// element of small random inputs, plus forward values worked out by hand.
#include <doctest/doctest.h>

#include <vector>

#include "autograd/ops.h"
#include "tests/gradcheck.h"

using namespace aet;
using aet::testing::gradcheck;
using aet::testing::rand_away_from_zero;
using aet::testing::rand_param;

using Inputs = std::vector<Tensor>;

TEST_CASE("matmul: forward by hand and gradient check") {
  Tensor a = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = Tensor::from({3, 2}, {7, 8, 9, 10, 11, 12});
  // [1 2 3]·[7 9 11]ᵀ = 58, [1 2 3]·[8 10 12]ᵀ = 64, [4 5 6]·... = 139, 154
  CHECK(matmul(a, b).to_vector() == std::vector<float>{58, 64, 139, 154});
  Rng rng(1);
  gradcheck("matmul", [](Inputs& x) { return matmul(x[0], x[1]); },
            {rand_param({3, 5}, rng), rand_param({5, 4}, rng)});
}

TEST_CASE("matmul_tn: equals matmul of the transpose, gradient check") {
  Tensor a = Tensor::from({3, 2}, {1, 4, 2, 5, 3, 6});  // the transpose of (2,3) [1 2 3; 4 5 6]
  Tensor b = Tensor::from({3, 2}, {7, 8, 9, 10, 11, 12});
  CHECK(matmul_tn(a, b).to_vector() == std::vector<float>{58, 64, 139, 154});
  Rng rng(2);
  gradcheck("matmul_tn", [](Inputs& x) { return matmul_tn(x[0], x[1]); },
            {rand_param({5, 3}, rng), rand_param({5, 4}, rng)});
}

TEST_CASE("matmul_nt: equals matmul with the transpose, gradient check") {
  Tensor a = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = Tensor::from({2, 3}, {7, 9, 11, 8, 10, 12});  // the transpose of (3,2) b above
  CHECK(matmul_nt(a, b).to_vector() == std::vector<float>{58, 64, 139, 154});
  Rng rng(3);
  gradcheck("matmul_nt", [](Inputs& x) { return matmul_nt(x[0], x[1]); },
            {rand_param({3, 5}, rng), rand_param({4, 5}, rng)});
}

TEST_CASE("linear: x·W + b, with and without bias") {
  Tensor x = Tensor::from({1, 2}, {1, 2});
  Tensor W = Tensor::from({2, 2}, {1, 2, 3, 4});
  Tensor b = Tensor::from({1, 2}, {10, 20});
  CHECK(linear(x, W, b).to_vector() == std::vector<float>{17, 30});  // [1+6+10, 2+8+20]
  Rng rng(4);
  gradcheck("linear", [](Inputs& x) { return linear(x[0], x[1], x[2]); },
            {rand_param({4, 3}, rng), rand_param({3, 5}, rng), rand_param({1, 5}, rng)});
  gradcheck("linear (no bias)", [](Inputs& x) { return linear(x[0], x[1], Tensor()); },
            {rand_param({4, 3}, rng), rand_param({3, 5}, rng)});
}

TEST_CASE("linear_relu: gradient check, and equal to relu(linear) in value and gradient") {
  Rng rng(41);
  // Inputs are kept away from the kink: with x, W in [-1,1] a pre-activation within h = 1e-2
  // of 0 would make the central difference straddle it, so the bias pushes units well
  // off 0 (|b| >= 0.5 and few enough inputs that |x·W| rarely cancels it exactly).
  Tensor b0 = rand_away_from_zero({1, 5}, rng, 0.5f);
  gradcheck("linear_relu", [](Inputs& x) { return linear_relu(x[0], x[1], x[2]); },
            {rand_param({4, 2}, rng, -0.2f, 0.2f), rand_param({2, 5}, rng, -0.2f, 0.2f), b0});
  gradcheck("linear_relu (no bias)", [](Inputs& x) { return linear_relu(x[0], x[1], Tensor()); },
            {rand_away_from_zero({4, 1}, rng, 0.3f), rand_away_from_zero({1, 5}, rng, 0.3f)});

  // Against the two-op path students read, on an awkward size and both signs of every
  // pre-activation; gradients reach x, W and b through both.
  for (bool bias : {true, false}) {
    Tensor x = rand_param({9, 33}, rng), W = rand_param({33, 7}, rng), b = rand_param({1, 7}, rng);
    Tensor x2 = x.clone(), W2 = W.clone(), b2 = b.clone();
    x2.set_requires_grad(true);
    W2.set_requires_grad(true);
    b2.set_requires_grad(true);
    Tensor bb = bias ? b : Tensor(), bb2 = bias ? b2 : Tensor();
    Tensor wts = Tensor::uniform({9, 7}, rng, -1.0f, 1.0f);
    Tensor fused = linear_relu(x, W, bb);
    Tensor l1 = sum(mul(fused, wts));
    backward(l1);  // (backward clears the whole tape, so one path at a time)
    Tensor plain = relu(linear(x2, W2, bb2));
    Tensor l2 = sum(mul(plain, wts));
    backward(l2);
    CHECK(fused.to_vector() == plain.to_vector());
    auto close = [](Tensor& a, Tensor& c) {
      for (size_t i = 0; i < a.size(); ++i) CHECK(a.grad()[i] == doctest::Approx(c.grad()[i]).epsilon(1e-5));
    };
    close(x, x2);
    close(W, W2);
    if (bias) close(b, b2);
  }
}

TEST_CASE("linear_relu: shape errors name the op") {
  Tensor x = Tensor::zeros({2, 3}), W = Tensor::zeros({4, 5}), b = Tensor::zeros({1, 6});
  CHECK_THROWS_WITH(linear_relu(x, W, Tensor()), doctest::Contains("linear_relu"));
  CHECK_THROWS_WITH(linear_relu(x, Tensor::zeros({3, 5}), b), doctest::Contains("linear_relu: bias"));
}

TEST_CASE("add, sub, mul, div: same shape") {
  Rng rng(5);
  auto a = [&] { return rand_param({3, 4}, rng); };
  auto pos = [&] { return rand_param({3, 4}, rng, 0.5f, 2.0f); };
  gradcheck("add", [](Inputs& x) { return add(x[0], x[1]); }, {a(), a()});
  gradcheck("sub", [](Inputs& x) { return sub(x[0], x[1]); }, {a(), a()});
  gradcheck("mul", [](Inputs& x) { return mul(x[0], x[1]); }, {a(), a()});
  gradcheck("div", [](Inputs& x) { return div(x[0], x[1]); }, {a(), pos()});
}

TEST_CASE("add, sub, mul, div: a row broadcast over rows, (1,H) and (H)") {
  Rng rng(6);
  for (Shape row : {Shape{1, 4}, Shape{4}}) {
    gradcheck("add bcast", [](Inputs& x) { return add(x[0], x[1]); },
              {rand_param({3, 4}, rng), rand_param(row, rng)});
    gradcheck("sub bcast", [](Inputs& x) { return sub(x[0], x[1]); },
              {rand_param({3, 4}, rng), rand_param(row, rng)});
    gradcheck("mul bcast", [](Inputs& x) { return mul(x[0], x[1]); },
              {rand_param({3, 4}, rng), rand_param(row, rng)});
    gradcheck("div bcast", [](Inputs& x) { return div(x[0], x[1]); },
              {rand_param({3, 4}, rng), rand_param(row, rng, 0.5f, 2.0f)});
  }
  Tensor m = Tensor::from({2, 2}, {1, 2, 3, 4});
  Tensor r = Tensor::from({1, 2}, {10, 20});
  CHECK((m + r).to_vector() == std::vector<float>{11, 22, 13, 24});
}

TEST_CASE("scale, add_scalar, neg") {
  Rng rng(7);
  gradcheck("scale", [](Inputs& x) { return scale(x[0], -2.5f); }, {rand_param({2, 3}, rng)});
  gradcheck("add_scalar", [](Inputs& x) { return add_scalar(x[0], 3.0f); }, {rand_param({2, 3}, rng)});
  gradcheck("neg", [](Inputs& x) { return neg(x[0]); }, {rand_param({2, 3}, rng)});
  CHECK((2.0f * Tensor::from({2}, {1, -1}) + 1.0f).to_vector() == std::vector<float>{3, -1});
}

TEST_CASE("relu and leaky_relu, inputs kept away from the kink at 0") {
  Rng rng(8);
  gradcheck("relu", [](Inputs& x) { return relu(x[0]); }, {rand_away_from_zero({3, 4}, rng)});
  gradcheck("leaky_relu", [](Inputs& x) { return leaky_relu(x[0], 0.1f); },
            {rand_away_from_zero({3, 4}, rng)});
  CHECK(relu(Tensor::from({3}, {-1, 0.5f, 2})).to_vector() == std::vector<float>{0, 0.5f, 2});
  CHECK(leaky_relu(Tensor::from({2}, {-1, 2}), 0.1f).to_vector() == std::vector<float>{-0.1f, 2});
}

TEST_CASE("relu backward passes gradient only where x > 0 (the sign ggml got wrong)") {
  Tensor x = Tensor::from({4}, {-2, -0.5f, 0.5f, 2}, true);
  Tensor L = sum(relu(x));
  backward(L);
  CHECK(std::vector<float>(x.grad(), x.grad() + 4) == std::vector<float>{0, 0, 1, 1});
}

TEST_CASE("sigmoid, tanh, exp") {
  Rng rng(9);
  gradcheck("sigmoid", [](Inputs& x) { return sigmoid(x[0]); }, {rand_param({3, 4}, rng, -3, 3)});
  gradcheck("tanh", [](Inputs& x) { return aet::tanh(x[0]); }, {rand_param({3, 4}, rng, -2, 2)});
  gradcheck("exp", [](Inputs& x) { return aet::exp(x[0]); }, {rand_param({3, 4}, rng, -2, 1)});
  // sigmoid stays finite far out where a naive 1/(1+e^−x) would compute e^{+100}.
  auto s = sigmoid(Tensor::from({3}, {-100, 0, 100})).to_vector();
  CHECK(s[0] >= 0.0f);
  CHECK(s[0] < 1e-30f);
  CHECK(s[1] == 0.5f);
  CHECK(s[2] == 1.0f);
}

TEST_CASE("log, sqrt on their domains; square") {
  Rng rng(10);
  gradcheck("log", [](Inputs& x) { return aet::log(x[0]); }, {rand_param({3, 4}, rng, 0.5f, 3.0f)});
  gradcheck("sqrt", [](Inputs& x) { return aet::sqrt(x[0]); }, {rand_param({3, 4}, rng, 0.5f, 3.0f)});
  gradcheck("square", [](Inputs& x) { return square(x[0]); }, {rand_param({3, 4}, rng)});
}

TEST_CASE("log and sqrt reject inputs outside their domain, naming the element") {
  CHECK_THROWS_WITH_AS(aet::log(Tensor::from({3}, {1, 0, 2})),
                       doctest::Contains("log: input (3) has 0.000000 at element 1"), std::domain_error);
  CHECK_THROWS_WITH_AS(aet::sqrt(Tensor::from({2}, {1, -1})),
                       doctest::Contains("sqrt needs every input >= 0"), std::domain_error);
}

TEST_CASE("sum, mean, sum_rows") {
  Rng rng(11);
  gradcheck("sum", [](Inputs& x) { return sum(x[0]); }, {rand_param({3, 4}, rng)});
  gradcheck("mean", [](Inputs& x) { return mean(x[0]); }, {rand_param({3, 4}, rng)});
  gradcheck("sum_rows", [](Inputs& x) { return sum_rows(x[0]); }, {rand_param({3, 4}, rng)});
  Tensor m = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(sum(m).item() == 21);
  CHECK(mean(m).item() == 3.5f);
  CHECK(sum_rows(m).to_vector() == std::vector<float>{5, 7, 9});
  CHECK(sum_rows(m).shape() == Shape{1, 3});
}

TEST_CASE("concat_cols, slice_cols, reshape") {
  Rng rng(12);
  gradcheck("concat_cols", [](Inputs& x) { return concat_cols(x[0], x[1]); },
            {rand_param({3, 2}, rng), rand_param({3, 4}, rng)});
  gradcheck("slice_cols", [](Inputs& x) { return slice_cols(x[0], 1, 4); }, {rand_param({3, 5}, rng)});
  gradcheck("reshape", [](Inputs& x) { return reshape(x[0], {4, 3}); }, {rand_param({3, 4}, rng)});
  Tensor a = Tensor::from({2, 1}, {1, 2}), b = Tensor::from({2, 2}, {3, 4, 5, 6});
  Tensor c = concat_cols(a, b);
  CHECK(c.to_vector() == std::vector<float>{1, 3, 4, 2, 5, 6});
  CHECK(slice_cols(c, 1, 3).to_vector() == std::vector<float>{3, 4, 5, 6});
}

TEST_CASE("splitting with slice_cols and joining again gives both halves their gradients") {
  // The VAE pattern: one head (N,2Z) split into μ and log σ².
  Rng rng(13);
  gradcheck("split+combine",
            [](Inputs& x) {
              Tensor mu = slice_cols(x[0], 0, 3), lv = slice_cols(x[0], 3, 6);
              return mu * aet::exp(lv * 0.5f);
            },
            {rand_param({2, 6}, rng)});
}

TEST_CASE("bce_with_logits: value by hand, gradient check, stability at large logits") {
  // One row, logits (0, 2), targets (1, 0):
  //   ℓ(0,1) = log 2 = 0.693147;  ℓ(2,0) = 2 + log(1+e^−2) = 2.126928;  L = 2.820075
  Tensor l = Tensor::from({1, 2}, {0, 2}), t = Tensor::from({1, 2}, {1, 0});
  CHECK(bce_with_logits(l, t).item() == doctest::Approx(2.820075).epsilon(1e-6));
  Rng rng(14);
  gradcheck("bce_with_logits", [](Inputs& x) { return bce_with_logits(x[0], x[1]); },
            {rand_param({3, 4}, rng, -3, 3), rand_param({3, 4}, rng, 0.0f, 1.0f)});
  // logit −200 with target 1 costs exactly 200 nats, not inf.
  Tensor far = bce_with_logits(Tensor::from({1, 1}, {-200}), Tensor::from({1, 1}, {1}));
  CHECK(far.item() == doctest::Approx(200.0));
  CHECK_THROWS_WITH_AS(bce_with_logits(Tensor::from({1, 1}, {0}), Tensor::from({1, 1}, {1.5f})),
                       doctest::Contains("outside [0,1]"), std::domain_error);
}

TEST_CASE("softmax_cross_entropy: value by hand, gradient check, label checks") {
  // Logits (0, 0) with label 0: L = log 2.
  Tensor l = Tensor::from({1, 2}, {0, 0});
  std::vector<int> y0{0};
  CHECK(softmax_cross_entropy(l, y0).item() == doctest::Approx(0.693147).epsilon(1e-6));
  Rng rng(15);
  static const std::vector<int> labels{2, 0, 3};
  gradcheck("softmax_cross_entropy",
            [](Inputs& x) { return softmax_cross_entropy(x[0], labels); },
            {rand_param({3, 4}, rng, -2, 2)});
  // Large logits do not overflow (the max is subtracted first).
  std::vector<int> y1{1};
  CHECK(softmax_cross_entropy(Tensor::from({1, 2}, {1000, 0}), y1).item() == doctest::Approx(1000));
  std::vector<int> bad{5};
  CHECK_THROWS_WITH_AS(softmax_cross_entropy(l, bad),
                       doctest::Contains("label 5 of row 0 is outside [0,2)"), std::out_of_range);
  std::vector<int> two{0, 1};
  CHECK_THROWS_WITH_AS(softmax_cross_entropy(l, two),
                       doctest::Contains("logits (1,2) have 1 rows but 2 labels"), std::invalid_argument);
}

TEST_CASE("mse: value by hand and gradient check on both arguments") {
  // ((1−0)² + (2−4)²)/2 = 2.5
  CHECK(mse(Tensor::from({2}, {1, 2}), Tensor::from({2}, {0, 4})).item() == doctest::Approx(2.5));
  Rng rng(16);
  gradcheck("mse", [](Inputs& x) { return mse(x[0], x[1]); },
            {rand_param({3, 4}, rng), rand_param({3, 4}, rng)});
}

TEST_CASE("shape errors name the op and both shapes") {
  Tensor a = Tensor::zeros({128, 784}), b = Tensor::zeros({512, 256});
  CHECK_THROWS_WITH_AS(matmul(a, b), "matmul: (128,784) x (512,256): inner dimensions 784 and 512 differ",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(matmul_tn(Tensor::zeros({3, 2}), Tensor::zeros({4, 2})),
                       "matmul_tn: (3,2) x (4,2): inner dimensions 3 and 4 differ", std::invalid_argument);
  CHECK_THROWS_WITH_AS(matmul_nt(Tensor::zeros({3, 2}), Tensor::zeros({4, 5})),
                       "matmul_nt: (3,2) x (4,5): inner dimensions 2 and 5 differ", std::invalid_argument);
  CHECK_THROWS_WITH_AS(matmul(Tensor::zeros({3}), Tensor::zeros({3, 2})),
                       "matmul: both operands must be 2-d, got (3) and (3,2)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(linear(Tensor::zeros({2, 3}), Tensor::zeros({3, 4}), Tensor::zeros({1, 5})),
                       "linear: bias has shape (1,5), expected (1,4) to match weight (3,4)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(add(Tensor::zeros({2, 3}), Tensor::zeros({3, 2})),
                       "add: shapes (2,3) and (3,2) do not match (b must have a's shape or be one row of a's width)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(mul(Tensor::zeros({2, 3}), Tensor::zeros({2, 1})), doctest::Contains("mul: shapes (2,3) and (2,1)"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(concat_cols(Tensor::zeros({2, 3}), Tensor::zeros({3, 3})),
                       "concat_cols: (2,3) and (3,3) have different numbers of rows", std::invalid_argument);
  CHECK_THROWS_WITH_AS(slice_cols(Tensor::zeros({2, 3}), 2, 5),
                       "slice_cols: columns [2,5) are not a non-empty range inside (2,3)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(reshape(Tensor::zeros({2, 3}), {4, 2}),
                       "reshape: cannot view (2,3) (6 elements) as (4,2) (8 elements)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(mse(Tensor::zeros({2, 3}), Tensor::zeros({3, 2})), "mse: shapes (2,3) and (3,2) differ",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(bce_with_logits(Tensor::zeros({2, 3}), Tensor::zeros({2, 4})),
                       "bce_with_logits: shapes (2,3) and (2,4) differ", std::invalid_argument);
  CHECK_THROWS_WITH_AS(sum_rows(Tensor::zeros({2, 3, 4})), "sum_rows: input must be 2-d (rows, cols), got (2,3,4)",
                       std::invalid_argument);
}
