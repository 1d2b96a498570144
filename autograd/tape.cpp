// tape.cpp — recording, the reverse walk, and printing the tape for students.
#include "autograd/tape.h"

#include <algorithm>
#include <map>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace aet {

Tape& tape() {
  thread_local Tape t;
  return t;
}

static thread_local bool g_grad_enabled = true;
static constexpr size_t kMaxTapeEntries = 1'000'000;

bool grad_enabled() { return g_grad_enabled; }
NoGrad::NoGrad() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGrad::~NoGrad() { g_grad_enabled = previous_; }

static thread_local TapeObserver* g_observer = nullptr;
void set_tape_observer(TapeObserver* observer) { g_observer = observer; }

bool should_record(const Tensor& a, const Tensor& b, const Tensor& c) {
  if (!g_grad_enabled) return false;
  return (a.defined() && a.requires_grad()) || (b.defined() && b.requires_grad()) ||
         (c.defined() && c.requires_grad());
}

void record(const char* op, Tensor& out, std::initializer_list<Tensor> inputs, Backward backward_fn,
            Tensor saved) {
  if (g_observer) g_observer->on_forward(op);
  bool any = false;
  for (const Tensor& t : inputs) any = any || (t.defined() && t.requires_grad());
  if (!g_grad_enabled || !any) return;
  // A loop that computes with parameters but never calls backward() (evaluation
  // without NoGrad) would grow the tape, and the memory it holds, without end.
  if (tape().size() >= kMaxTapeEntries)
    throw std::logic_error("tape: " + std::to_string(kMaxTapeEntries) + " ops recorded without a backward() — "
                           "wrap evaluation and sampling in `NoGrad no_grad;`, or call tape().clear()");
  out.set_requires_grad(true);
  TapeEntry e;
  e.op = op;
  e.out = out;
  int i = 0;
  for (const Tensor& t : inputs) e.in[i++] = t;
  e.saved = std::move(saved);
  e.backward = std::move(backward_fn);
  tape().record(std::move(e));
}

void backward(Tensor& loss) {
  if (loss.size() != 1)
    throw std::invalid_argument("backward: the loss must be a scalar (one element), got shape " +
                                shape_str(loss.shape()) + "; reduce it first with sum() or mean()");
  Tape& t = tape();
  auto& entries = t.entries();
  // The loss must be the output of a recorded op; after a backward the tape is empty.
  size_t last = entries.size();
  while (last > 0 && !entries[last - 1].out.same_as(loss)) --last;
  if (last == 0) {
    if (entries.empty())
      throw std::logic_error(
          "backward: the tape is empty — backward was already called for this forward pass "
          "(run the forward pass again), or nothing was recorded (NoGrad active, or no "
          "input has requires_grad)");
    throw std::logic_error("backward: this loss was not recorded on the tape (it was computed "
                           "under NoGrad, from tensors that need no gradient, or before the last backward)");
  }
  loss.grad()[0] += 1.0f;  // the seed: dloss/dloss = 1
  for (size_t i = last; i-- > 0;) {
    TapeEntry& e = entries[i];
    if (!e.out.has_grad()) continue;  // no gradient reached this op: nothing to pass on
    if (g_observer) g_observer->on_backward_begin(e.op);
    e.backward(e);
    if (g_observer) g_observer->on_backward_end(e.op);
  }
  t.clear();
}

static std::string inputs_str(const TapeEntry& e) {
  std::string s;
  for (const Tensor& in : e.in)
    if (in.defined()) s += (s.empty() ? "" : " ") + shape_str(in.shape());
  return s;
}

void print_tape(std::ostream& os, const Tape& t) {
  const auto& es = t.entries();
  for (size_t i = 0; i < es.size(); ++i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%4zu  %-22s ", i, es[i].op);
    os << buf << inputs_str(es[i]) << " -> " << shape_str(es[i].out.shape()) << "\n";
  }
}

std::string tape_to_string(const Tape& t) {
  std::ostringstream os;
  print_tape(os, t);
  return os.str();
}

void write_dot(std::ostream& os, const Tape& t) {
  // Tensors become ellipses (named by shape), ops become boxes.
  std::map<const void*, std::string> names;
  auto node = [&](const Tensor& x) -> std::string {
    const void* key = x.data();
    auto it = names.find(key);
    if (it != names.end()) return it->second;
    std::string n = "t" + std::to_string(names.size());
    names[key] = n;
    os << "  " << n << " [shape=ellipse,label=\"" << shape_str(x.shape()) << "\"];\n";
    return n;
  };
  os << "digraph tape {\n  rankdir=LR;\n";
  const auto& es = t.entries();
  for (size_t i = 0; i < es.size(); ++i) {
    std::string op = "op" + std::to_string(i);
    os << "  " << op << " [shape=box,style=filled,fillcolor=lightblue,label=\"" << i << ": "
       << es[i].op << "\"];\n";
    for (const Tensor& in : es[i].in)
      if (in.defined()) os << "  " << node(in) << " -> " << op << ";\n";
    os << "  " << op << " -> " << node(es[i].out) << ";\n";
  }
  os << "}\n";
}

}  // namespace aet
