// task.cpp — the exception a coursework stub throws (task.h).
#include "autograd/task.h"

namespace aet {

TaskNotDone::TaskNotDone(std::string task_id, const std::string& message)
    : std::logic_error(message), task(std::move(task_id)) {}

void task_not_done(const char* id, const char* what) {
  throw TaskNotDone(id, std::string("task ") + id + " not done yet: " + what + " (make check TASK=" + id + ")");
}

}  // namespace aet
