#include "worker/interpreter_versions.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "worker/process_launcher.h"

namespace edgectl::worker {
namespace {

constexpr char kProbe[] =
    "import sys\n"
    "import airflow\n"
    "import airflow.providers.edge3 as edge3\n"
    "sys.stdout.write(airflow.__version__ + '\\n' + edge3.__version__ + '\\n' + "
    "sys.version.replace('\\n', ' ') + '\\n')\n";

std::string ReadAll(int fd) {
  std::string out;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) out.append(buffer, n);
  return out;
}

}  // namespace

absl::StatusOr<InterpreterVersions> DetectInterpreterVersions(
    const std::string& interpreter, const std::vector<std::string>& env) {
  int out_pipe[2];
  if (pipe(out_pipe) != 0) return absl::InternalError("cannot create a pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  const std::string path = ResolveExecutable(interpreter);
  std::vector<std::string> args = {interpreter, "-c", kProbe};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot run the Python interpreter '", interpreter, "': ", strerror(rc),
        ". Set [edge] python_interpreter (or --python) to a Python with Airflow installed."));
  }
  const std::string output = ReadAll(out_pipe[0]);
  close(out_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  std::vector<std::string> lines = absl::StrSplit(output, '\n');
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || lines.size() < 3) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read Airflow's and the edge3 provider's versions with '", interpreter,
        "' (is Airflow with apache-airflow-providers-edge3 installed for it, or PYTHONPATH "
        "set?): ",
        absl::StripAsciiWhitespace(output)));
  }
  return InterpreterVersions{lines[0], lines[1], lines[2]};
}

}  // namespace edgectl::worker
