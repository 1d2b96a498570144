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
#include <iosfwd>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace aet {

struct TapeEntry {
  const char* op = "";        // the op's name, for printing the tape
  Tensor out;                 // what the op produced
  Tensor in[3];               // its tensor inputs (unused slots stay empty)
  Tensor saved;               // anything else the backward needs (e.g. a mask)
  float scalar = 0.0f;        // an op's constant (a scale, a leaky slope)
  int index = 0;              // an op's integer (a column offset)
  void (*backward)(TapeEntry& e) = nullptr;  // reads out.grad(), adds into in[i].grad()
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
void record(const char* op, Tensor& out, std::initializer_list<Tensor> inputs,
            void (*backward)(TapeEntry&), float scalar = 0.0f, int index = 0,
            Tensor saved = Tensor());

// dloss/dloss = 1, then every entry's backward in reverse; clears the tape.
// Throws if loss is not a one-element tensor or is not on the tape.
void backward(Tensor& loss);

// ---- profiling (off by default) ---------------------------------------------------
// While on, each op's forward time (from the previous op's record, or the last
// profile_mark(), to its own record) and each entry's backward time are added to a
// table keyed by op name, so an optimisation can be chosen from a measurement
// (bench/epoch.cpp prints it). Off, it costs one branch per record and per entry.
struct OpTime {
  std::string op;
  double forward_s = 0.0, backward_s = 0.0;
  long calls = 0;  // forward calls
};
void set_profiling(bool on);              // also clears the table
void profile_mark();                      // "a forward pass starts now"
std::vector<OpTime> profile_results();    // largest forward+backward first

// One line per entry: "  3  matmul   (128,784) (784,512) -> (128,512)".
void print_tape(std::ostream& os, const Tape& t = tape());
std::string tape_to_string(const Tape& t = tape());
// The tape as a Graphviz DOT graph (render with `dot -Tpng`).
void write_dot(std::ostream& os, const Tape& t = tape());

}  // namespace aet
