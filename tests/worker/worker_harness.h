// File: tests/worker/worker_harness.h
//
// Runs the real worker binary (//worker:edgectl_worker, the same commands as `edgectl`) as a child
// process against a FakeSidecar, with a private $AIRFLOW_HOME, log folder and the Task SDK
// stand-in on PYTHONPATH. Also builds ExecuteTask / ExecuteCallback workload JSON with the
// stand-in's knobs.
#ifndef EDGECTL_TESTS_WORKER_WORKER_HARNESS_H_
#define EDGECTL_TESTS_WORKER_WORKER_HARNESS_H_

#include <sys/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "proto/edge_worker.pb.h"
#include "tests/worker/fake_sidecar.h"

namespace edgectl::testing {

// A child process with stdout/stderr captured to files.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               const std::string& output_prefix);
  ~ChildProcess();
  pid_t pid() const { return pid_; }
  void Signal(int signal);
  // The exit code (128 + signal when killed) once the process ended within `timeout`.
  std::optional<int> Wait(absl::Duration timeout);
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string stdout_path_;
  std::string stderr_path_;
};

class WorkerHarness {
 public:
  WorkerHarness();
  ~WorkerHarness();

  FakeSidecar& sidecar() { return sidecar_; }
  const std::string& airflow_home() const { return home_; }
  const std::string& log_folder() const { return log_folder_; }

  // The environment every command gets (AIRFLOW_HOME, PYTHONPATH, api_url, log folder, ...).
  std::map<std::string, std::string> Env() const;
  std::unique_ptr<ChildProcess> StartWorker(const std::vector<std::string>& extra_args = {},
                                            const std::map<std::string, std::string>& env = {});
  // Runs `edgectl_worker <args>` to completion (a local command).
  struct CommandResult {
    int exit_code = -1;
    std::string out;
    std::string err;
  };
  CommandResult RunCommand(const std::vector<std::string>& args, absl::Duration timeout);

  // Waits until the worker has registered and its stream is open.
  bool WaitUntilConnected(absl::Duration timeout = absl::Seconds(20));

  static v1::JobKey Key(const std::string& task_id, const std::string& run_id = "run_1");
  // An ExecuteTask workload whose log_path is "<dag>/<run>/<task>/1.log".
  static std::string TaskWorkload(const v1::JobKey& key, const nlohmann::json& knobs);
  static std::string CallbackWorkload(const std::string& id, const nlohmann::json& knobs);
  std::string LogFile(const v1::JobKey& key) const;
  static std::string LogPath(const v1::JobKey& key);

  // The job's state transitions at the sidecar, in order: "running" (claim granted), then the
  // applied reports.
  std::vector<std::string> JobStates(const v1::JobKey& key);
  bool WaitForJobState(const v1::JobKey& key, const std::string& state,
                       absl::Duration timeout = absl::Seconds(20));

  static std::string ReadFile(const std::string& path);
  static bool ProcessAlive(pid_t pid);
  static std::string WorkerBinary();

 private:
  std::string root_;
  std::string home_;
  std::string log_folder_;
  FakeSidecar sidecar_;
  int command_count_ = 0;
};

}  // namespace edgectl::testing

#endif  // EDGECTL_TESTS_WORKER_WORKER_HARNESS_H_
