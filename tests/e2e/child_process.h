// File: tests/e2e/child_process.h
//
// A real process for end-to-end tests: started with an argv and extra environment, in its own
// process group, stdout and stderr captured to files. The destructor kills the whole group
// (SIGKILL) and reaps it, so a failing test leaves nothing running. WaitForOutput() awaits a
// line instead of sleeping.
#ifndef EDGECTL_TESTS_E2E_CHILD_PROCESS_H_
#define EDGECTL_TESTS_E2E_CHILD_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/fixtures/runfiles.h"

namespace edgectl::e2e {

// What a process that ran to completion left behind.
struct CommandOutput {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
  std::string combined() const { return out + err; }
};

class ChildProcess {
 public:
  // Starts argv[0] (a path) with the current environment plus `env`.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
      const std::string& output_dir);
  // Starts the process and waits (bounded) for it to exit.
  static absl::StatusOr<CommandOutput> RunToCompletion(
      const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
      const std::string& output_dir, absl::Duration timeout);
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  std::string Stdout() const;
  std::string Stderr() const;

  // Waits until stdout+stderr contain `needle`; returns the captured text so far.
  absl::StatusOr<std::string> WaitForOutput(const std::string& needle, absl::Duration timeout);
  // Waits for exit; returns the exit code (128 + signal when killed by a signal).
  absl::StatusOr<int> WaitForExit(absl::Duration timeout);
  bool Running();
  void Signal(int signo);

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string stdout_path_;
  std::string stderr_path_;
};

using testing::Runfile;

// Awaits a condition with bounded polling (every 20 ms) instead of a fixed sleep.
bool Eventually(const std::function<bool()>& condition, absl::Duration timeout);

}  // namespace edgectl::e2e

#endif  // EDGECTL_TESTS_E2E_CHILD_PROCESS_H_
