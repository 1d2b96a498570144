// main.cpp — the coursework checker (make check, make progress, make grade).
//
//   check                 every task: a table of task, points, result, what is wrong
//   check --task 4.2      one task (a comma list works too)
//   check --progress      one line per tutorial: tasks done, points
//   check --list          the tasks with their points and titles
//   check --csv FILE      also write id,points,earned,status,message per task (for grading)
// Each task runs in its own child process under a time limit (alarm), so a crash or an
// endless loop in one task costs that task only. Exit status 0 when every task run passed.
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/task.h"
#include "coursework/checker/check.h"

namespace aet::coursework {
std::vector<std::pair<std::string, Check>>& pending_checks();
}

using namespace aet::coursework;

namespace {

struct Result {
  std::string status;  // pass, fail, not done, crashed, too slow
  std::string message;
};

// Runs in the child: every check of the task, stopping at the first that fails.
[[noreturn]] void run_child(const Task& task, int fd) {
  std::string status = "pass", message;
  try {
    for (const Check& check : task.checks) check();
  } catch (const aet::TaskNotDone& e) {
    status = "not done", message = e.what();
  } catch (const CheckFailed& e) {
    status = "fail", message = e.message;
  } catch (const std::exception& e) {
    status = "fail", message = std::string("threw: ") + e.what();
  }
  const std::string line = status + "\t" + message;
  (void)!write(fd, line.data(), line.size());
  _exit(0);
}

Result run(const Task& task) {
  std::fflush(stdout);
  int fds[2];
  if (pipe(fds) != 0) return {"crashed", "could not create a pipe"};
  const pid_t pid = fork();
  if (pid < 0) return {"crashed", "could not fork"};
  if (pid == 0) {
    close(fds[0]);
    alarm(static_cast<unsigned>(task.seconds));
    run_child(task, fds[1]);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, size_t(n));
  close(fds[0]);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  if (WIFSIGNALED(wstatus)) {
    const int sig = WTERMSIG(wstatus);
    if (sig == SIGALRM) return {"too slow", fmt::format("did not finish within {} s (an endless loop?)", task.seconds)};
    return {"crashed", fmt::format("crashed with signal {} ({}): run it under gdb or make test-asan",
                                   sig, strsignal(sig))};
  }
  const size_t tab = out.find('\t');
  if (tab == std::string::npos) return {"crashed", "exited without a result (exit() called?)"};
  return {out.substr(0, tab), out.substr(tab + 1)};
}

std::string tutorial_of(const std::string& id) { return id.substr(0, id.find('.')); }

int usage() {
  fmt::print(stderr, "usage: check [--task ID[,ID...]] [--progress] [--list] [--csv FILE]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> only;
  std::string csv;
  bool progress = false, list = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--task" && i + 1 < argc) {
      std::stringstream ss(argv[++i]);
      for (std::string id; std::getline(ss, id, ',');)
        if (!id.empty()) only.push_back(id);
    } else if (a == "--csv" && i + 1 < argc) {
      csv = argv[++i];
    } else if (a == "--progress") {
      progress = true;
    } else if (a == "--list") {
      list = true;
    } else {
      return usage();
    }
  }
  auto& tasks = registry();
  std::sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) {
    return std::stoi(a.id) != std::stoi(b.id) ? std::stoi(a.id) < std::stoi(b.id)
                                              : std::stoi(a.id.substr(a.id.find('.') + 1)) <
                                                    std::stoi(b.id.substr(b.id.find('.') + 1));
  });
  for (const auto& pending : pending_checks()) {
    const std::string& id = pending.first;
    auto it = std::find_if(tasks.begin(), tasks.end(), [&](const Task& t) { return t.id == id; });
    if (it == tasks.end()) {
      fmt::print(stderr, "check: a hidden check names task {}, which no task file registers\n", id);
      return 2;
    }
    it->checks.push_back(pending.second);
  }
  for (const auto& id : only)
    if (std::none_of(tasks.begin(), tasks.end(), [&](const Task& t) { return t.id == id; })) {
      fmt::print(stderr, "check: there is no task {}; `make check` lists them all\n", id);
      return 2;
    }
  if (list) {
    for (const Task& t : tasks) fmt::print("{:<5} {:>3}  {}\n", t.id, t.points, t.title);
    return 0;
  }

  std::ofstream csv_out;
  if (!csv.empty()) {
    csv_out.open(csv);
    csv_out << "task,points,earned,status,message\n";
  }
  if (!progress) fmt::print("{:<5} {:<64} {:>6}  {:<8}  {}\n", "task", "what you write", "points", "result", "what is wrong");
  int total = 0, earned = 0, passed = 0, ran = 0;
  std::map<std::string, std::pair<int, int>> done_of;     // tutorial -> (passed, tasks)
  std::map<std::string, std::pair<int, int>> points_of;   // tutorial -> (earned, points)
  for (const Task& t : tasks) {
    if (!only.empty() && std::find(only.begin(), only.end(), t.id) == only.end()) continue;
    const Result r = run(t);
    const bool ok = r.status == "pass";
    ++ran, total += t.points;
    if (ok) ++passed, earned += t.points;
    auto& d = done_of[tutorial_of(t.id)];
    auto& p = points_of[tutorial_of(t.id)];
    d.first += ok, d.second += 1, p.first += ok ? t.points : 0, p.second += t.points;
    if (!progress)
      fmt::print("{:<5} {:<64} {:>2} /{:>2}  {:<8}  {}\n", t.id, t.title, ok ? t.points : 0, t.points, r.status,
                 r.message);
    if (csv_out.is_open()) {
      std::string m = r.message;
      std::replace(m.begin(), m.end(), '"', '\'');
      csv_out << t.id << ',' << t.points << ',' << (ok ? t.points : 0) << ',' << r.status << ",\"" << m << "\"\n";
    }
  }
  if (progress)
    for (const auto& [tut, d] : done_of)
      fmt::print("tutorial {}: {} of {} tasks done, {:>3} of {:>3} points  [{}{}]\n", tut, d.first, d.second,
                 points_of[tut].first, points_of[tut].second, std::string(size_t(d.first), '#'),
                 std::string(size_t(d.second - d.first), '.'));
  fmt::print("{} of {} tasks pass: {} of {} points ({:.0f} %)\n", passed, ran, earned, total,
             total ? 100.0 * earned / total : 0.0);
  return passed == ran ? 0 : 1;
}
