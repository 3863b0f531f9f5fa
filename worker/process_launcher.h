// File: worker/process_launcher.h
//
// Starts and watches task processes. The worker is multi-threaded (gRPC), so the POSIX
// implementation prepares every argument before fork() and the child only calls
// async-signal-safe functions (setsid, prctl, dup2, execve, _exit) — no allocation after fork.
// Each child runs in a new session (its own process group, so terminal signals and a signal to
// the worker's group do not reach it). It is not signalled when the worker dies: tasks outlive
// a crashed worker, which adopts them when it starts again. Children are reaped only through
// TryReap, by the worker's loop.
#ifndef EDGECTL_WORKER_PROCESS_LAUNCHER_H_
#define EDGECTL_WORKER_PROCESS_LAUNCHER_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace edgectl::worker {

struct LaunchSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::vector<std::string> env;   // complete environment, "KEY=value"
  std::string stderr_path;        // created/truncated; stdout is inherited (as edge3 does)
};

class ProcessLauncher {
 public:
  virtual ~ProcessLauncher() = default;
  // The child's pid, which is also its process group id.
  virtual absl::StatusOr<pid_t> Launch(const LaunchSpec& spec) = 0;
  // The exit code when the process has ended (128 + signal when killed), nullopt while running.
  virtual std::optional<int> TryReap(pid_t pid) = 0;
  // Signals the process, or its whole process group (the supervisor and whatever it started).
  virtual void Signal(pid_t pid, int signal, bool whole_group) = 0;
};

class PosixProcessLauncher : public ProcessLauncher {
 public:
  absl::StatusOr<pid_t> Launch(const LaunchSpec& spec) override;
  std::optional<int> TryReap(pid_t pid) override;
  void Signal(pid_t pid, int signal, bool whole_group) override;
};

// Resolves a program name through $PATH like execvp, in the parent (so the child need not).
std::string ResolveExecutable(const std::string& name);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_PROCESS_LAUNCHER_H_
