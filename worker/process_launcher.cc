#include "worker/process_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace edgectl::worker {
namespace {

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Runs in the child between fork and exec: async-signal-safe calls only. No parent-death
// signal: a task outlives a worker that crashes or is killed, and the restarted worker adopts it
// (worker/job_runner.h); `edgectl stop` and SIGTERM end tasks deliberately.
// Signals are blocked across fork (Launch): one sent to the child before exec (the worker's
// SIGTERM to its tasks, right after a launch) must not run the worker's own handler in the
// child, which would swallow it and leave the task running. With the handlers back to their
// defaults, a pending SIGTERM ends the child as it would have ended the task.
[[noreturn]] void ExecChild(const char* path, char* const argv[], char* const envp[],
                            int stderr_fd) {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int signal = 1; signal < NSIG; ++signal) {
    if (signal != SIGKILL && signal != SIGSTOP) sigaction(signal, &dfl, nullptr);
  }
  setsid();
  dup2(stderr_fd, STDERR_FILENO);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(path, argv, envp);
  _exit(127);
}

}  // namespace

std::string ResolveExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path_env = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path_env ? path_env : "/usr/bin:/bin", ':')) {
    std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", name);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;
}

absl::StatusOr<pid_t> PosixProcessLauncher::Launch(const LaunchSpec& spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("empty command line");
  const std::string path = ResolveExecutable(spec.argv[0]);
  if (access(path.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot execute ", spec.argv[0], ": ", strerror(errno),
                     "; set [edge] python_interpreter or --python to a Python with Airflow"));
  }
  const int stderr_fd =
      open(spec.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (stderr_fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot create ", spec.stderr_path, ": ", strerror(errno)));
  }
  std::vector<char*> argv = CStrings(spec.argv);
  std::vector<char*> envp = CStrings(spec.env);
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  const pid_t pid = fork();
  if (pid == 0) ExecChild(path.c_str(), argv.data(), envp.data(), stderr_fd);
  const int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  close(stderr_fd);
  if (pid < 0) return absl::UnavailableError(absl::StrCat("fork failed: ", strerror(fork_errno)));
  // No setpgid() here: it would race with the child's setsid(), which fails for a group leader.
  return pid;
}

std::optional<int> PosixProcessLauncher::TryReap(pid_t pid) {
  int status = 0;
  const pid_t r = waitpid(pid, &status, WNOHANG);
  if (r == 0) return std::nullopt;
  if (r < 0) return errno == ECHILD ? std::optional<int>(255) : std::nullopt;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return std::nullopt;
}

void PosixProcessLauncher::Signal(pid_t pid, int signal, bool whole_group) {
  if (!whole_group || kill(-pid, signal) != 0) kill(pid, signal);
}

}  // namespace edgectl::worker
