// File: worker/worker_options.h
//
// Everything `edgectl worker` needs, built once from AirflowConfig (airflow.cfg, then
// AIRFLOW__SECTION__KEY env) and the command-line flags (which win), and validated before anything
// starts: a bad value is an INVALID_ARGUMENT naming the flag or option and what to do.
#ifndef EDGECTL_WORKER_WORKER_OPTIONS_H_
#define EDGECTL_WORKER_WORKER_OPTIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/airflow_config.h"
#include "common/logging.h"
#include "worker/local_files.h"
#include "worker/sysinfo_extension/automatic_maintenance.h"

namespace edgectl::worker {

// The flags of `edgectl worker` as given (unset = not on the command line).
struct WorkerFlags {
  std::optional<int> concurrency;
  std::optional<std::string> queues;  // comma list
  std::optional<std::string> team_name;
  std::optional<std::string> edge_hostname;
  std::optional<std::string> pid;
  bool verbose = false;
  std::string log_level;  // "" = [logging] logging_level
  bool log_json = false;
  bool daemon = false;
  std::optional<std::string> stdout_path;
  std::optional<std::string> stderr_path;
  std::optional<std::string> log_file;
  std::optional<std::string> umask;
  std::optional<std::string> controlplane_address;
  std::optional<std::string> controlplane_tls_ca;
  std::optional<std::string> controlplane_tls_cert;
  std::optional<std::string> controlplane_tls_key;
  std::optional<std::string> controlplane_token_file;
  std::optional<std::string> python;
  std::optional<std::string> health_check_addr;
};

struct WorkerOptions {
  std::string worker_name;
  int concurrency = 8;
  std::optional<std::vector<std::string>> queues;  // nullopt = all queues
  std::optional<std::string> team_name;
  std::string airflow_home;
  LocalPaths paths;
  bool verbose = false;
  LogOptions log;  // common/logging.h
  bool daemon = false;
  std::string stdout_path;  // daemon mode
  std::string stderr_path;
  std::string log_file;
  int umask = 077;
  std::string controlplane_address;
  // worker/sidecar_credentials.h: TLS CA, client certificate and key, token file.
  std::string controlplane_tls_ca;
  std::string controlplane_tls_cert;
  std::string controlplane_tls_key;
  std::string controlplane_token_file;
  std::string python_interpreter;
  std::string execution_api_server_url;
  // [edge] execution_api_relay: tasks reach the Execution API through this worker's loopback
  // endpoint and its gRPC link to the sidecar (worker/execution_relay/), not directly.
  bool execution_api_relay = false;
  // [edge] execution_api_relay_port: the endpoint's port on 127.0.0.1; 0 = the port this worker
  // used last (tasks that outlived a restart keep reaching it), else a free one.
  int execution_api_relay_port = 0;
  std::string base_log_folder;
  bool push_logs = true;
  int push_log_chunk_size = 524288;
  int heartbeat_interval_sec = 30;
  int drain_timeout_sec = 0;
  int drain_kill_grace_sec = 30;
  // [edge] job_poll_interval: edge3's fetch poll and log push cadence. edgectl's jobs are pushed,
  // not polled; it bounds log_push_interval from above.
  int job_poll_interval_sec = 5;
  // [edge] extended_system_info_function ("module.func", "" = none), evaluated at each heartbeat
  // in a long-lived Python helper (worker/sysinfo_extension/), each call bounded by
  // [edge] extended_system_info_timeout_sec (edgectl's, default 10).
  std::string extended_system_info_function;
  absl::Duration extended_system_info_timeout = absl::Seconds(10);
  // [edge] automatic_maintenance_on / _exit, lower-cased as edge3 does.
  AutomaticMaintenanceOptions automatic_maintenance;
  // edgectl's near-live log shipping cadence ([edge] log_push_interval_ms, default 150; at most
  // job_poll_interval).
  absl::Duration log_push_interval = absl::Milliseconds(150);
  // Deadline of each unary call to the sidecar.
  absl::Duration call_timeout = absl::Seconds(10);
  // The binary that has the hidden `worker-task-keeper` command (this one).
  std::string keeper_binary;
  // While this many ended jobs await delivery (an outage), no new jobs are taken
  // ([edge] max_undelivered_jobs): bounds the worker journal; final states are never dropped.
  int max_undelivered_jobs = 100;
  // HOST:PORT of the optional health endpoint (worker/health/); "" = off.
  std::string health_check_addr;
};

absl::StatusOr<WorkerOptions> BuildWorkerOptions(const AirflowConfig& config,
                                                 const WorkerFlags& flags);

// Python's socket.getfqdn() equivalent (the default worker name).
std::string FullyQualifiedHostname();

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_WORKER_OPTIONS_H_
