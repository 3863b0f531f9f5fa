// File: worker/sysinfo_extension/python_sysinfo_helper.h
//
// PythonSysinfoHelper evaluates [edge] extended_system_info_function ("module.func", as edge3
// imports it) in one long-lived helper process: `<python> -c <embedded script> module.func`, with
// the environment the tasks get. The script imports the function once, then answers each request
// line on stdin with one JSON line on stdout: {"values": {...}} (str/int/float kept, datetimes as
// ISO strings, anything else as str; a coroutine function is awaited on one event loop, as edge3
// awaits it) or {"error": "..."} (import failure, exception, not a dict). Whatever the function
// prints goes to the worker's stderr, not into the protocol.
//
// Call() waits at most `timeout`. A helper that does not answer in time is killed; one that died
// is started again, but not before a backoff (1 s doubling to 60 s, reset by an answer) so a
// crashing function cannot make the worker spawn interpreters in a loop. Errors:
// DEADLINE_EXCEEDED (no answer in time), UNAVAILABLE (helper died or is waiting out its backoff),
// INVALID_ARGUMENT (the function failed or returned something unusable). Not thread-safe: one
// caller (SysinfoExtensionRunner's thread).
#ifndef EDGECTL_WORKER_SYSINFO_EXTENSION_PYTHON_SYSINFO_HELPER_H_
#define EDGECTL_WORKER_SYSINFO_EXTENSION_PYTHON_SYSINFO_HELPER_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/edge_worker.pb.h"

namespace edgectl::worker {

using SysinfoValues = std::map<std::string, v1::SysinfoValue>;

struct PythonSysinfoHelperOptions {
  std::string interpreter;           // [edge] python_interpreter
  std::string function_path;         // [edge] extended_system_info_function
  std::vector<std::string> env;      // "KEY=value", the tasks' environment
  absl::Duration restart_min = absl::Seconds(1);
  absl::Duration restart_max = absl::Seconds(60);
};

class PythonSysinfoHelper {
 public:
  explicit PythonSysinfoHelper(PythonSysinfoHelperOptions options);
  ~PythonSysinfoHelper();
  PythonSysinfoHelper(const PythonSysinfoHelper&) = delete;
  PythonSysinfoHelper& operator=(const PythonSysinfoHelper&) = delete;

  absl::StatusOr<SysinfoValues> Call(absl::Duration timeout);

  // Helper processes started so far.
  int starts() const { return starts_; }

 private:
  absl::Status Start();
  void Stop();  // kills and reaps the helper, if any
  void Died();  // after a failure: stop and back off before the next start

  const PythonSysinfoHelperOptions options_;
  pid_t pid_ = -1;
  int to_helper_ = -1;
  int from_helper_ = -1;
  std::string buffered_;  // bytes read past the last reply line
  int starts_ = 0;
  absl::Duration backoff_;
  absl::Time next_start_at_ = absl::InfinitePast();
};

// Parses one reply line of the helper script.
absl::StatusOr<SysinfoValues> ParseHelperReply(const std::string& line);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_SYSINFO_EXTENSION_PYTHON_SYSINFO_HELPER_H_
