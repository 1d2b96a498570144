// tape.h — reverse-mode autograd as a linear list of recorded ops.
//
// Every op that touches a tensor with requires_grad appends one TapeEntry: its
// name, its inputs and output, and a backward function. Ops run in execution
// order, which is already a valid topological order, so backward(loss) simply
// seeds dloss = 1 and walks the tape from the end to the start. No sort, no
// recursion.
//
// Backward functions ACCUMULATE (+=) into their inputs' gradients, so a tensor
// used twice receives both contributions. backward() clears the tape when it is
// done, which frees everything the entries saved; calling it again without a new
// forward pass is an error, not a silent second helping of gradients.
#pragma once
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace aet {

struct TapeEntry;
// An op's backward: reads e.out.grad(), adds into e.in[i].grad(). An op's constants (a
// scale, a slope, a column offset) are captured by value in the lambda, by name.
using Backward = std::function<void(TapeEntry& e)>;

struct TapeEntry {
  const char* op = "";  // the op's name, for printing the tape
  Tensor out;           // what the op produced
  Tensor in[3];         // its tensor inputs (unused slots stay empty)
  Tensor saved;         // a tensor the forward computed for the backward (e.g. σ(l) − t)
  Backward backward;
};

class Tape {
 public:
  void record(TapeEntry entry) { entries_.push_back(std::move(entry)); }
  void clear() { entries_.clear(); }  // keeps capacity: the next step reuses it
  size_t size() const { return entries_.size(); }
  const std::vector<TapeEntry>& entries() const { return entries_; }
  std::vector<TapeEntry>& entries() { return entries_; }

 private:
  std::vector<TapeEntry> entries_;
};

// The tape the ops record onto (one per thread).
Tape& tape();

// Is recording on? NoGrad turns it off for its scope (evaluation, sampling).
bool grad_enabled();
class NoGrad {
 public:
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool previous_;
};

// For op authors: should an op with these inputs be recorded? (recording on and
// at least one input requires a gradient)
bool should_record(const Tensor& a, const Tensor& b = Tensor(), const Tensor& c = Tensor());

// For op authors: mark `out` as requiring grad and append the entry, if should_record.
// Capture only small constants in `backward` (a float, an int): tensors the backward
// needs are its inputs, its output, or `saved`.
void record(const char* op, Tensor& out, std::initializer_list<Tensor> inputs, Backward backward,
            Tensor saved = Tensor());

// dloss/dloss = 1, then every entry's backward in reverse; clears the tape.
// Throws if loss is not a one-element tensor or is not on the tape.
void backward(Tensor& loss);

// ---- observing the tape (for tools such as bench/epoch's per-op profile) --------------
// An observer is told of every op as it is recorded (or would be: also under NoGrad) and
// around every entry's backward. None is installed by default; that costs one branch.
struct TapeObserver {
  virtual ~TapeObserver() = default;
  virtual void on_forward(const char* op) = 0;          // the op's forward has just finished
  virtual void on_backward_begin(const char* op) = 0;
  virtual void on_backward_end(const char* op) = 0;
};
void set_tape_observer(TapeObserver* observer);  // nullptr removes it; this thread only

// One line per entry: "  3  matmul   (128,784) (784,512) -> (128,512)".
void print_tape(std::ostream& os, const Tape& t = tape());
std::string tape_to_string(const Tape& t = tape());
// The tape as a Graphviz DOT graph (render with `dot -Tpng`).
void write_dot(std::ostream& os, const Tape& t = tape());

}  // namespace aet
