// check.h — the coursework checker's vocabulary (see docs/instructors.md).
//
// A task is an id ("4.2"), its points, a title and one or more checks. A check is a plain
// function that returns when the student's code is right and calls fail("...") with one
// line a student can act on when it is not: which element, expected vs got, or "loss did
// not fall below X in N steps". The runner (main.cpp) runs each task in a child process with
// a time limit, so a crash or an endless loop costs that task only.
//
// Tasks register themselves from the files in coursework/tests/ (one per tutorial) with
//   static const bool registered = add_task({"4.2", 10, "the Gaussian KL term", {check_a, check_b}});
// and coursework/tests/hidden/ may add further checks to an existing task with add_check.
#pragma once
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "autograd/ops.h"

namespace aet::coursework {

using Check = std::function<void()>;

struct Task {
  std::string id;       // "tutorial.number", e.g. "4.2"
  int points = 0;
  std::string title;    // what the student writes, e.g. "the Gaussian KL term (nn/losses.cpp)"
  std::vector<Check> checks;
  double seconds = 20;  // time limit for all its checks together
};

bool add_task(Task task);
bool add_check(const std::string& id, Check check);
std::vector<Task>& registry();  // sorted by id by the runner

// The failure a check reports: one line, shown in the table.
struct CheckFailed {
  std::string message;
};
[[noreturn]] void fail(const std::string& message);

// Fails with "<what>: element i (of shape): expected E, got G" at the first element where
// |got − expected| > atol + rtol·|expected|, or when the sizes differ.
void expect_close(const std::string& what, const Tensor& got, const std::vector<float>& expected,
                  float atol = 1e-5f, float rtol = 1e-4f);
void expect_close(const std::string& what, const Tensor& got, const Tensor& expected, float atol = 1e-5f,
                  float rtol = 1e-4f);
void expect_close(const std::string& what, double got, double expected, double atol = 1e-5, double rtol = 1e-4);

// Central-difference gradient check of f at inputs (those with requires_grad), with the
// output projected on fixed random weights (autograd/gradcheck.h explains). Fails naming
// the input, the element, the numeric and the analytic gradient. f must be deterministic
// (draw any randomness from an Rng it seeds itself).
void expect_gradients(const std::string& what, const std::function<Tensor(std::vector<Tensor>&)>& f,
                      std::vector<Tensor> inputs, double h = 1e-2, double atol = 1e-3, double rtol = 1e-2);

}  // namespace aet::coursework
