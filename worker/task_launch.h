// File: worker/task_launch.h
//
// How a job becomes a process: Airflow's Task SDK in a fresh interpreter, as edge3 launches it,
// `<interpreter> -m airflow.sdk.execution_time.execute_workload --json-path <file>`, with the
// worker's environment plus AIRFLOW__CORE__EXECUTION_API_SERVER_URL, HOSTNAME (= worker name) and
// AIRFLOW__CORE__HOSTNAME_CALLABLE (edge3's _edge_hostname, which returns $HOSTNAME), under the
// task keeper (worker/task_keeper.h) that records its exit code. The workload JSON is written
// unchanged (ExecuteTask and ExecuteCallback) to a 0600 file rather than passed as an argument
// (edge3's --json-string): an argument is limited in size and visible to every local user in
// `ps`, and the workload carries the task's Execution API token.
#ifndef EDGECTL_WORKER_TASK_LAUNCH_H_
#define EDGECTL_WORKER_TASK_LAUNCH_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/process_launcher.h"

namespace edgectl::worker {

inline constexpr char kHostnameCallable[] =
    "airflow.providers.edge3.cli.worker._edge_hostname";

struct TaskEnvironment {
  std::string interpreter;
  std::string execution_api_server_url;
  std::string worker_name;
  std::vector<std::string> base_env;  // the worker's environment at startup, "KEY=value"
};

// The environment every task process gets (also used to probe the interpreter).
std::vector<std::string> TaskProcessEnv(const TaskEnvironment& task_env);

struct TaskFiles {
  std::string keeper_binary;  // the edgectl binary (it has the worker-task-keeper command)
  std::string workload;       // the workload JSON file
  std::string exit_code;      // where the keeper records the exit code
  std::string stderr_path;    // the task's stderr
};

LaunchSpec BuildTaskLaunchSpec(const TaskEnvironment& task_env, const TaskFiles& files);

// What the worker needs from the workload: its type and log_path (relative to
// [logging] base_log_folder; nullopt when the workload has none).
struct WorkloadInfo {
  std::string type;  // "ExecuteTask" or "ExecuteCallback"
  std::optional<std::string> log_path;
};
absl::StatusOr<WorkloadInfo> ParseWorkload(const std::string& workload_json);

// The worker's environment as "KEY=value" strings.
std::vector<std::string> CurrentEnvironment();

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_TASK_LAUNCH_H_
