#include "common/config_shell.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/utf8.h"

extern char** environ;

namespace edgectl {
namespace {

bool IsShlexSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

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

// Reads both pipes to their end; the child may fill either one first.
void Drain(int out_fd, int err_fd, std::string* out) {
  struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open = 2;
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
        // stderr is read only so the child never blocks on it; it is not shown (see header).
        if (p.fd == out_fd) out->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        p.fd = -1;
        --open;
      }
    }
  }
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ShlexSplit(absl::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = '\0';
  for (size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (quote == '\'') {
      if (c == '\'') {
        quote = '\0';
      } else {
        word.push_back(c);
      }
      continue;
    }
    if (quote == '"') {
      if (c == '"') {
        quote = '\0';
      } else if (c == '\\') {
        if (i + 1 >= command.size()) break;  // reported as the unclosed quote below
        const char next = command[++i];
        if (next != '"' && next != '\\') word.push_back('\\');
        word.push_back(next);
      } else {
        word.push_back(c);
      }
      continue;
    }
    if (IsShlexSpace(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '\\') {
      if (i + 1 >= command.size()) {
        return absl::InvalidArgumentError(
            "it ends with a backslash that escapes nothing (shlex: No escaped character)");
      }
      word.push_back(command[++i]);
    } else {
      word.push_back(c);
    }
  }
  if (quote != '\0') {
    return absl::InvalidArgumentError(absl::StrCat(
        "it has an unclosed ", quote == '"' ? "double" : "single",
        " quote (shlex: No closing quotation)"));
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::string DropInvalidUtf8(absl::string_view bytes) {
  const std::string_view view(bytes.data(), bytes.size());
  std::string out;
  out.reserve(view.size());
  for (size_t pos = 0; pos < view.size();) {
    const DecodedChar decoded = DecodeUtf8At(view, pos);
    if (decoded.valid) out.append(view.substr(pos, decoded.length));
    pos += decoded.length;
  }
  return out;
}

absl::StatusOr<std::string> RunConfigCommand(const std::string& command) {
  absl::StatusOr<std::vector<std::string>> argv = ShlexSplit(command);
  if (!argv.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot be split into words: ", argv.status().message(),
        "; Airflow splits it like a shell (shlex) and runs it without one, so fix the quoting"));
  }
  if (argv->empty()) {
    return absl::InvalidArgumentError("is empty; write the command to run, e.g. `cat /path/file`");
  }
  const std::string& program = argv->front();
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("`", program, "`: pipe: ", std::strerror(errno)));
  }
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("`", program, "`: pipe: ", std::strerror(errno)));
  }
  Fd err_read(err_pipe[0]), err_write(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), STDERR_FILENO);
  std::vector<char*> args;
  for (std::string& a : *argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  // posix_spawnp searches PATH and reports a failed exec through its return value.
  const int spawn_error =
      posix_spawnp(&pid, program.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  out_write.Close();
  err_write.Close();
  if (spawn_error != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "`", program, "` cannot be started: ", std::strerror(spawn_error),
        "; Airflow runs the command without a shell, so give a program on PATH or its full path "
        "(for pipes or $VARIABLES write sh -c '...')"));
  }
  std::string output;
  Drain(out_read.get(), err_read.get(), &output);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return absl::InternalError(absl::StrCat("`", program, "`: waitpid: ", std::strerror(errno)));
    }
  }
  const char* const kNoOutput = " (its output is not shown: it may be the secret; run the command "
                                "by hand to see its error)";
  if (WIFSIGNALED(status)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "`", program, "` was killed by signal ", WTERMSIG(status), kNoOutput));
  }
  if (WEXITSTATUS(status) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "`", program, "` exited with status ", WEXITSTATUS(status), kNoOutput));
  }
  return DropInvalidUtf8(output);
}

}  // namespace edgectl
