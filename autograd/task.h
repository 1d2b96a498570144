// task.h — what a coursework stub calls (see docs/instructors.md).
//
// In a student copy (make student-copy) every task's solution is replaced by a stub that
// calls task_not_done, so running code that needs an unfinished task stops with
//   task 4.2 not done yet: implement gaussian_kl in nn/losses.cpp (make check TASK=4.2)
// rather than with a wrong number far from the cause. The checker (coursework/checker)
// tells this exception apart from a wrong answer.
#pragma once
#include <stdexcept>
#include <string>

namespace aet {

struct TaskNotDone : std::logic_error {
  TaskNotDone(std::string task_id, const std::string& message);
  std::string task;  // e.g. "4.2"
};

// Throws TaskNotDone for task `id`; `what` says what to write and where.
[[noreturn]] void task_not_done(const char* id, const char* what);

}  // namespace aet
