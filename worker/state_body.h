// File: worker/state_body.h
//
// The WorkerStateBody the worker sends with Register and every Heartbeat (edge3's register /
// set_state body), with edge3's sysinfo (spec §3.7): status 20 (INFO) or, when the versions do not
// match, 30 (WARNING) with status_text "Healthy but version mismatch" and edge3's explanation;
// status 0 (NOTSET) without them in the final offline message; airflow_version,
// edge_provider_version, python_version, worker_start_time, concurrency, free_concurrency; plus
// edgectl_version and edgectl_instance. The result of [edge] extended_system_info_function is
// merged over edge3's keys as edge3 merges it (edgectl's own two keys excepted); when the function
// failed, its error is in edgectl_sysinfo_extension_error.
#ifndef EDGECTL_WORKER_STATE_BODY_H_
#define EDGECTL_WORKER_STATE_BODY_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "proto/edge_worker.pb.h"
#include "worker/interpreter_versions.h"

namespace edgectl::worker {

struct StateBodyInput {
  std::string state;
  int jobs_active = 0;
  std::optional<std::vector<std::string>> queues;
  std::optional<std::string> maintenance_comments;
  std::optional<std::string> team_name;
  InterpreterVersions versions;
  std::string worker_start_time;  // ISO 8601, as Python's datetime.isoformat()
  int concurrency = 0;
  int free_concurrency = 0;
  bool versions_match = true;
  bool offline = false;  // the final message: status 0, no status_text
  // edgectl's own keys: its version (marks the worker as an edgectl worker, whose unconfirmed
  // claims the sidecar may take back) and the process's instance id (restart takeover).
  std::string edgectl_version;
  std::string edgectl_instance;
  // The newest result of [edge] extended_system_info_function, or why it failed.
  std::map<std::string, v1::SysinfoValue> extended_sysinfo;
  std::optional<std::string> extended_sysinfo_error;
};

v1::WorkerStateBody BuildStateBody(const StateBodyInput& input);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_STATE_BODY_H_
