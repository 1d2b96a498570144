// tape.cpp — recording, the reverse walk, and printing the tape for students.
#include "autograd/tape.h"

#include <algorithm>
#include <chrono>
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

// ---- profiling ----------------------------------------------------------------------
namespace {
using ProfClock = std::chrono::steady_clock;
thread_local bool g_profiling = false;
thread_local ProfClock::time_point g_mark;
thread_local std::map<std::string, OpTime>* g_profile = nullptr;

OpTime& profile_slot(const char* op) {
  if (!g_profile) g_profile = new std::map<std::string, OpTime>;
  OpTime& t = (*g_profile)[op];
  if (t.op.empty()) t.op = op;
  return t;
}
double seconds(ProfClock::time_point a, ProfClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}
}  // namespace

void set_profiling(bool on) {
  g_profiling = on;
  if (g_profile) g_profile->clear();
  g_mark = ProfClock::now();
}

void profile_mark() { g_mark = ProfClock::now(); }

std::vector<OpTime> profile_results() {
  std::vector<OpTime> out;
  if (g_profile)
    for (const auto& [name, t] : *g_profile) out.push_back(t);
  std::sort(out.begin(), out.end(), [](const OpTime& a, const OpTime& b) {
    return a.forward_s + a.backward_s > b.forward_s + b.backward_s;
  });
  return out;
}

bool should_record(const Tensor& a, const Tensor& b, const Tensor& c) {
  if (!g_grad_enabled) return false;
  return (a.defined() && a.requires_grad()) || (b.defined() && b.requires_grad()) ||
         (c.defined() && c.requires_grad());
}

void record(const char* op, Tensor& out, std::initializer_list<Tensor> inputs,
            void (*backward_fn)(TapeEntry&), float scalar, int index, Tensor saved) {
  if (g_profiling) {  // charge the time since the previous op to this op's forward
    const auto now = ProfClock::now();
    OpTime& slot = profile_slot(op);
    slot.forward_s += seconds(g_mark, now);
    slot.calls++;
    g_mark = now;
  }
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
  e.scalar = scalar;
  e.index = index;
  e.backward = backward_fn;
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
    if (!g_profiling) {
      e.backward(e);
      continue;
    }
    const auto t0 = ProfClock::now();
    e.backward(e);
    profile_slot(e.op).backward_s += seconds(t0, ProfClock::now());
  }
  t.clear();
  if (g_profiling) g_mark = ProfClock::now();
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
