// File: common/run_command.h
//
// Runs a program to its end and captures what it prints: for short helper commands (an
// airflow.cfg `_cmd` option, the worker's probe of its Python interpreter), not for tasks
// (worker/process_launcher.h). posix_spawn (no shell); both pipes are read together so the child
// never blocks on either.
#ifndef EDGECTL_COMMON_RUN_COMMAND_H_
#define EDGECTL_COMMON_RUN_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace edgectl {

struct CommandRun {
  bool signaled = false;
  int exit_code = 0;  // the exit status, or the signal when `signaled`
  std::string out;    // stdout (and stderr too, when merged)
  std::string err;
};

struct CommandSpec {
  std::vector<std::string> argv;  // argv[0] is searched on PATH when it has no '/'
  const std::vector<std::string>* env = nullptr;  // "KEY=value"; nullptr: this process's
  bool merge_stderr = false;                      // stderr into `out` (in order)
};

// The run, or an error (errno's text) when the program could not be started.
absl::StatusOr<CommandRun> RunCommand(const CommandSpec& spec);

}  // namespace edgectl

#endif  // EDGECTL_COMMON_RUN_COMMAND_H_
