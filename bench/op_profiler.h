// op_profiler.h — where a training step's time goes, per op, through the tape's observer
// hook (autograd/tape.h). bench/epoch installs one for its profile table.
//
// Forward time of an op: from the previous op's record (or the last mark(), "a forward
// pass starts now") to its own record. Backward time: around the entry's backward.
#pragma once
#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "autograd/tape.h"

namespace aet {

struct OpTime {
  std::string op;
  double forward_s = 0.0, backward_s = 0.0;
  long calls = 0;  // forward calls
};

class OpProfiler : public TapeObserver {
 public:
  using Clock = std::chrono::steady_clock;
  OpProfiler() { set_tape_observer(this); }
  ~OpProfiler() override { set_tape_observer(nullptr); }
  OpProfiler(const OpProfiler&) = delete;
  OpProfiler& operator=(const OpProfiler&) = delete;

  void mark() { mark_ = Clock::now(); }

  void on_forward(const char* op) override {
    const auto now = Clock::now();
    OpTime& t = slot(op);
    t.forward_s += seconds(mark_, now);
    t.calls++;
    mark_ = now;
  }
  void on_backward_begin(const char*) override { backward_start_ = Clock::now(); }
  void on_backward_end(const char* op) override {
    const auto now = Clock::now();
    slot(op).backward_s += seconds(backward_start_, now);
    mark_ = now;
  }

  // Largest forward + backward first.
  std::vector<OpTime> results() const {
    std::vector<OpTime> out;
    for (const auto& [name, t] : table_) out.push_back(t);
    std::sort(out.begin(), out.end(), [](const OpTime& a, const OpTime& b) {
      return a.forward_s + a.backward_s > b.forward_s + b.backward_s;
    });
    return out;
  }

 private:
  static double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  }
  OpTime& slot(const char* op) {
    OpTime& t = table_[op];
    if (t.op.empty()) t.op = op;
    return t;
  }

  std::map<std::string, OpTime> table_;
  Clock::time_point mark_ = Clock::now(), backward_start_;
};

}  // namespace aet
