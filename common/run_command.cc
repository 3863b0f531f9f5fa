#include "common/run_command.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace edgectl {
namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// Reads both pipes to their end; the child may fill either one first. err_fd < 0: one pipe.
void Drain(int out_fd, int err_fd, std::string* out, std::string* err) {
  struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open = err_fd >= 0 ? 2 : 1;
  char buffer[8192];
  while (open > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (struct pollfd& p : fds) {
      if (p.fd < 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = read(p.fd, buffer, sizeof(buffer));
      if (n > 0) {
        (p.fd == out_fd ? out : err)->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        p.fd = -1;
        --open;
      }
    }
  }
}

}  // namespace

absl::StatusOr<CommandRun> RunCommand(const CommandSpec& spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("no program to run");
  int out_pipe[2];
  int err_pipe[2] = {-1, -1};
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (!spec.merge_stderr && pipe2(err_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  Fd err_read(err_pipe[0]), err_write(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(
      &actions, spec.merge_stderr ? out_write.get() : err_write.get(), STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& a : spec.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  if (spec.env != nullptr) {
    for (const std::string& e : *spec.env) env.push_back(const_cast<char*>(e.c_str()));
    env.push_back(nullptr);
  }
  pid_t pid = -1;
  // posix_spawnp searches PATH and reports a failed exec through its return value.
  const int spawn_error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(),
                                       spec.env != nullptr ? env.data() : environ);
  posix_spawn_file_actions_destroy(&actions);
  out_write.Close();
  err_write.Close();
  if (spawn_error != 0) return absl::FailedPreconditionError(std::strerror(spawn_error));
  CommandRun run;
  Drain(out_read.get(), err_read.get(), &run.out, &run.err);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
  }
  run.signaled = WIFSIGNALED(status);
  run.exit_code = run.signaled ? WTERMSIG(status) : WEXITSTATUS(status);
  return run;
}

}  // namespace edgectl
