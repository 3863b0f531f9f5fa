#include "worker/task_keeper.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "worker/local_files.h"

namespace edgectl::worker {
namespace {

volatile sig_atomic_t child_pid = 0;

void Forward(int signal) {
  if (child_pid > 0) kill(child_pid, signal);
}

constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

void WriteStderr(const std::string& text) {
  (void)!write(STDERR_FILENO, text.data(), text.size());
}

bool RecordExitCode(const std::string& path, int code) {
  return WriteFileAtomically(path, absl::StrCat(code, "\n"), 0600).ok();
}

}  // namespace

int RunTaskKeeper(const std::string& exit_file, const std::vector<std::string>& command) {
  if (command.empty()) {
    WriteStderr("worker-task-keeper: no command to run\n");
    return 2;
  }
  std::vector<char*> argv;
  for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  // Signals arriving before the child's pid is known wait (blocked) and are forwarded after.
  sigset_t all, previous;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &previous);
  struct sigaction action {};
  action.sa_handler = Forward;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int signal : kForwarded) sigaction(signal, &action, nullptr);

  const pid_t pid = fork();
  if (pid == 0) {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int signal : kForwarded) sigaction(signal, &dfl, nullptr);
    sigprocmask(SIG_SETMASK, &previous, nullptr);
    execvp(argv[0], argv.data());
    WriteStderr(absl::StrCat("cannot execute ", command[0], ": ", std::strerror(errno), "\n"));
    _exit(127);
  }
  if (pid < 0) {
    WriteStderr(absl::StrCat("worker-task-keeper: fork failed: ", std::strerror(errno), "\n"));
    RecordExitCode(exit_file, 127);
    return 127;
  }
  child_pid = pid;
  sigprocmask(SIG_SETMASK, &previous, nullptr);

  int status = 0;
  pid_t waited;
  do {
    waited = waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  int code = 255;
  if (waited == pid && WIFEXITED(status)) code = WEXITSTATUS(status);
  if (waited == pid && WIFSIGNALED(status)) code = 128 + WTERMSIG(status);
  if (!RecordExitCode(exit_file, code)) {
    WriteStderr(absl::StrCat("worker-task-keeper: cannot record the exit code in ", exit_file,
                             ": ", std::strerror(errno), "\n"));
  }
  return code;
}

int FindTaskKeeper(const std::string& exit_file) {
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return 0;
  int found = 0;
  while (dirent* entry = readdir(proc)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid) || pid <= 1) continue;
    const std::string cmdline =
        ReadWholeFile(absl::StrCat("/proc/", pid, "/cmdline")).value_or("");
    const std::string needle = absl::StrCat(kTaskKeeperCommand, std::string(1, '\0'),
                                            "--exit-file", std::string(1, '\0'), exit_file,
                                            std::string(1, '\0'));
    if (cmdline.find(needle) != std::string::npos) {
      found = pid;
      break;
    }
  }
  closedir(proc);
  return found;
}

std::optional<int> MaybeRunTaskKeeper(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) != kTaskKeeperCommand) return std::nullopt;
  if (argc < 5 || std::string(argv[2]) != "--exit-file") {
    WriteStderr("usage: worker-task-keeper --exit-file FILE [--] COMMAND...\n");
    return 2;
  }
  int first = 4;
  if (first < argc && std::string(argv[first]) == "--") ++first;
  return RunTaskKeeper(argv[3], std::vector<std::string>(argv + first, argv + argc));
}

std::optional<int> ReadRecordedExitCode(const std::string& exit_file) {
  absl::StatusOr<std::string> text = ReadWholeFile(exit_file);
  int code = 0;
  if (!text.ok() || !absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &code)) {
    return std::nullopt;
  }
  return code;
}

}  // namespace edgectl::worker
