#include "worker/task_launch.h"

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "worker/task_keeper.h"

extern char** environ;

namespace edgectl::worker {
namespace {

void SetVariable(std::vector<std::string>& env, const std::string& key, const std::string& value) {
  const std::string prefix = key + "=";
  for (std::string& entry : env) {
    if (absl::StartsWith(entry, prefix)) {
      entry = prefix + value;
      return;
    }
  }
  env.push_back(prefix + value);
}

}  // namespace

std::vector<std::string> CurrentEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  return env;
}

std::vector<std::string> TaskProcessEnv(const TaskEnvironment& task_env) {
  std::vector<std::string> env = task_env.base_env;
  if (!task_env.execution_api_server_url.empty()) {
    SetVariable(env, "AIRFLOW__CORE__EXECUTION_API_SERVER_URL", task_env.execution_api_server_url);
  }
  SetVariable(env, "HOSTNAME", task_env.worker_name);
  SetVariable(env, "AIRFLOW__CORE__HOSTNAME_CALLABLE", kHostnameCallable);
  return env;
}

LaunchSpec BuildTaskLaunchSpec(const TaskEnvironment& task_env, const TaskFiles& files) {
  LaunchSpec spec;
  spec.argv = {files.keeper_binary,
               kTaskKeeperCommand,
               "--exit-file",
               files.exit_code,
               "--",
               task_env.interpreter,
               "-m",
               "airflow.sdk.execution_time.execute_workload",
               "--json-path",
               files.workload};
  spec.env = TaskProcessEnv(task_env);
  spec.stderr_path = files.stderr_path;
  return spec;
}

absl::StatusOr<WorkloadInfo> ParseWorkload(const std::string& workload_json) {
  nlohmann::json json = nlohmann::json::parse(workload_json, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return absl::InvalidArgumentError("the job's command is not a workload JSON object");
  }
  WorkloadInfo info;
  if (json.contains("type") && json["type"].is_string()) info.type = json["type"].get<std::string>();
  if (info.type != "ExecuteTask" && info.type != "ExecuteCallback") {
    return absl::InvalidArgumentError(absl::StrCat(
        "unsupported workload type '", info.type,
        "': edgectl runs Airflow 3 ExecuteTask and ExecuteCallback workloads"));
  }
  if (json.contains("log_path") && json["log_path"].is_string()) {
    info.log_path = json["log_path"].get<std::string>();
  }
  return info;
}

}  // namespace edgectl::worker
