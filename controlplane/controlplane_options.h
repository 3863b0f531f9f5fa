// File: controlplane/controlplane_options.h
//
// Everything `edgectl controlplane` needs, read the way Airflow reads configuration
// (common/airflow_config.h: defaults, airflow.cfg, AIRFLOW__SECTION__KEY, then flags applied by
// the command with AirflowConfig::Set) and validated before anything starts:
//   [edge] api_url                        Airflow's REST edge API (required)
//   [api_auth] jwt_secret                 signs the sidecar's JWTs (required; never printed)
//   [database] sql_alchemy_conn           Airflow's metadata DB (SQLAlchemy URL or libpq string)
//   [edge] controlplane_listen_address    gRPC address, default 0.0.0.0:50051
//   [edge] controlplane_metrics_address   /metrics address, default 127.0.0.1:9464
//   [edge] heartbeat_interval             seconds, default 30 (returned to workers)
//   [edge] controlplane_dispatch_poll_interval_ms   default 20 (p50 queued-to-dispatched
//                                         ~ half of it plus one jobs/fetch)
//   [edge] controlplane_ack_timeout_sec   default 30
//   [edge] controlplane_state_poll_interval_ms      default 1000
//   [edge] push_log_chunk_size            characters per edge_logs row, default 524288
//   [edge] controlplane_tls_cert / controlplane_tls_key   PEM files; TLS when both are set
#ifndef EDGECTL_CONTROLPLANE_CONTROLPLANE_OPTIONS_H_
#define EDGECTL_CONTROLPLANE_CONTROLPLANE_OPTIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/airflow_config.h"
#include "common/database_url.h"

namespace edgectl::controlplane {

struct ControlPlaneOptions {
  std::string api_url;
  std::string jwt_secret;
  DatabaseUrl database;
  std::string listen_address = "0.0.0.0:50051";
  std::string metrics_address = "127.0.0.1:9464";  // "" = no metrics endpoint
  int heartbeat_interval_seconds = 30;
  absl::Duration dispatch_poll_interval = absl::Milliseconds(20);
  absl::Duration ack_timeout = absl::Seconds(30);
  absl::Duration state_poll_interval = absl::Seconds(1);
  size_t push_log_chunk_size = 524288;
  std::string tls_cert_file;
  std::string tls_key_file;
  size_t executor_threads = 16;
  size_t executor_queue = 10000;
  size_t db_pool_size = 4;

  // Checks ranges and combinations; messages name the option to fix.
  absl::Status Validate() const;
};

absl::StatusOr<ControlPlaneOptions> OptionsFromConfig(const AirflowConfig& config);

// "host:port" -> (host, port); port may be 0. IPv6 hosts in brackets.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& address);

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_CONTROLPLANE_OPTIONS_H_
