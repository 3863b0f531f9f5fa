#include "tests/e2e/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace edgectl::e2e {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

bool Eventually(const std::function<bool()>& condition, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (condition()) return true;
    if (absl::Now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
    const std::string& output_dir) {
  static int counter = 0;
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  std::string base = argv[0].substr(argv[0].rfind('/') + 1);
  std::string stem = absl::StrCat(output_dir, "/", base, ".", getpid(), ".", counter++);
  child->stdout_path_ = stem + ".stdout";
  child->stderr_path_ = stem + ".stderr";

  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    size_t eq = entry.find('=');
    if (eq != std::string::npos) merged[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, child->stdout_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, child->stderr_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  int rc = posix_spawn(&child->pid_, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("cannot start ", argv[0], ": ", strerror(rc)));
  }
  return child;
}

absl::StatusOr<CommandOutput> ChildProcess::RunToCompletion(
    const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
    const std::string& output_dir, absl::Duration timeout) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = Start(argv, env, output_dir);
  if (!child.ok()) return child.status();
  absl::StatusOr<int> code = (*child)->WaitForExit(timeout);
  if (!code.ok()) return code.status();
  return CommandOutput{*code, (*child)->Stdout(), (*child)->Stderr()};
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exit_code_.has_value()) {
    kill(-pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
}

std::string ChildProcess::Stdout() const { return ReadFile(stdout_path_); }
std::string ChildProcess::Stderr() const { return ReadFile(stderr_path_); }

absl::StatusOr<std::string> ChildProcess::WaitForOutput(const std::string& needle,
                                                        absl::Duration timeout) {
  std::string seen;
  bool found = Eventually(
      [&] {
        seen = Stdout() + Stderr();
        return seen.find(needle) != std::string::npos || !Running();
      },
      timeout);
  seen = Stdout() + Stderr();
  if (seen.find(needle) != std::string::npos) return seen;
  return absl::DeadlineExceededError(absl::StrCat(
      "\"", needle, "\" did not appear", found ? " (process exited)" : "", "; output:\n", seen));
}

bool ChildProcess::Running() {
  if (exit_code_.has_value()) return false;
  int status;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = DecodeWaitStatus(status);
    return false;
  }
  return true;
}

absl::StatusOr<int> ChildProcess::WaitForExit(absl::Duration timeout) {
  if (!Eventually([&] { return !Running(); }, timeout)) {
    return absl::DeadlineExceededError(absl::StrCat("pid ", pid_, " did not exit in time"));
  }
  return *exit_code_;
}

void ChildProcess::Signal(int signo) {
  if (pid_ > 0 && !exit_code_.has_value()) kill(pid_, signo);
}

}  // namespace edgectl::e2e
