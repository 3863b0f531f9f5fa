#include "worker/sysinfo_extension/python_sysinfo_helper.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace edgectl::worker {
namespace {

// Reads requests (any line) on stdin, answers each with one JSON line. Kept small: the worker's
// own logic stays in C++; this only bridges to the user's function.
constexpr char kHelperScript[] = R"PY(
import asyncio, datetime, importlib, json, math, sys
path = sys.argv[1]
out, sys.stdout = sys.stdout, sys.stderr
func, import_error = None, None
try:
    module_name, _, func_name = path.rpartition(".")
    func = getattr(importlib.import_module(module_name), func_name)
except Exception as e:
    import_error = "cannot import %s: %s: %s" % (path, type(e).__name__, e)
loop = asyncio.new_event_loop()
def value(v):
    if isinstance(v, bool): return int(v)
    if isinstance(v, int): return v
    if isinstance(v, float): return v if math.isfinite(v) else str(v)
    if isinstance(v, str): return v
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)): return v.isoformat()
    return str(v)
for _ in sys.stdin:
    try:
        if import_error: raise ImportError(import_error)
        result = func()
        if asyncio.iscoroutine(result): result = loop.run_until_complete(result)
        if not isinstance(result, dict): raise TypeError("returned %s, not a dict" % type(result).__name__)
        reply = {"values": {str(k): value(v) for k, v in result.items()}}
    except Exception as e:
        reply = {"error": "%s: %s" % (type(e).__name__, e)}
    out.write(json.dumps(reply) + "\n")
    out.flush()
)PY";

}  // namespace

absl::StatusOr<SysinfoValues> ParseHelperReply(const std::string& line) {
  nlohmann::json reply = nlohmann::json::parse(line, nullptr, false);
  if (!reply.is_object()) {
    return absl::InvalidArgumentError("the sysinfo helper answered something that is not JSON");
  }
  if (reply.contains("error")) {
    return absl::InvalidArgumentError(reply["error"].is_string() ? reply["error"].get<std::string>()
                                                                 : reply["error"].dump());
  }
  if (!reply.contains("values") || !reply["values"].is_object()) {
    return absl::InvalidArgumentError("the sysinfo helper answered without values");
  }
  SysinfoValues values;
  for (auto& [key, v] : reply["values"].items()) {
    v1::SysinfoValue out;
    if (v.is_number_integer()) {
      out.set_int_value(v.get<int64_t>());
    } else if (v.is_number()) {
      out.set_double_value(v.get<double>());
    } else if (v.is_string()) {
      out.set_string_value(v.get<std::string>());
    } else {
      out.set_string_value(v.dump());
    }
    values[key] = out;
  }
  return values;
}

PythonSysinfoHelper::PythonSysinfoHelper(PythonSysinfoHelperOptions options)
    : options_(std::move(options)), backoff_(options_.restart_min) {}

PythonSysinfoHelper::~PythonSysinfoHelper() { Stop(); }

absl::Status PythonSysinfoHelper::Start() {
  int in[2], out[2];
  // stdin is a socket so that writing to a helper that died fails (MSG_NOSIGNAL) instead of
  // raising SIGPIPE in the worker.
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) {
    return absl::ResourceExhaustedError("socketpair failed");
  }
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    return absl::ResourceExhaustedError("pipe failed");
  }
  std::vector<std::string> args = {options_.interpreter, "-c", kHelperScript,
                                   options_.function_path};
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = options_.env;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) close(fd);
    return absl::ResourceExhaustedError("fork failed");
  }
  if (pid == 0) {
    // Dies with the worker; its own group, so a terminal's Ctrl-C reaches only the worker.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    setpgid(0, 0);
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execvpe(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  pid_ = pid;
  to_helper_ = in[1];
  from_helper_ = out[0];
  buffered_.clear();
  ++starts_;
  return absl::OkStatus();
}

void PythonSysinfoHelper::Stop() {
  if (to_helper_ >= 0) close(to_helper_);
  if (from_helper_ >= 0) close(from_helper_);
  to_helper_ = from_helper_ = -1;
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

void PythonSysinfoHelper::Died() {
  Stop();
  next_start_at_ = absl::Now() + backoff_;
  backoff_ = std::min(backoff_ * 2, options_.restart_max);
}

absl::StatusOr<SysinfoValues> PythonSysinfoHelper::Call(absl::Duration timeout) {
  if (pid_ < 0) {
    if (absl::Now() < next_start_at_) {
      return absl::UnavailableError(absl::StrCat(
          "the helper evaluating ", options_.function_path, " failed; restarting it in ",
          absl::FormatDuration(absl::Ceil(next_start_at_ - absl::Now(), absl::Seconds(1)))));
    }
    if (absl::Status s = Start(); !s.ok()) return s;
  }
  const char request = '\n';
  if (send(to_helper_, &request, 1, MSG_NOSIGNAL) != 1) {
    Died();
    return absl::UnavailableError(absl::StrCat("the helper evaluating ", options_.function_path,
                                               " exited (is ", options_.interpreter,
                                               " a Python?); restarting it"));
  }
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const size_t newline = buffered_.find('\n');
    if (newline != std::string::npos) {
      const std::string line = buffered_.substr(0, newline);
      buffered_.erase(0, newline + 1);
      backoff_ = options_.restart_min;
      return ParseHelperReply(line);
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      Died();
      return absl::DeadlineExceededError(absl::StrCat(
          options_.function_path, " did not answer within ", absl::FormatDuration(timeout),
          "; its helper process was killed"));
    }
    pollfd fd = {from_helper_, POLLIN, 0};
    const int ready = poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char chunk[4096];
    const ssize_t n = read(from_helper_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Died();
      return absl::UnavailableError(absl::StrCat("the helper evaluating ", options_.function_path,
                                                 " exited; restarting it"));
    }
    buffered_.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace edgectl::worker
