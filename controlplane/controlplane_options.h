// File: controlplane/controlplane_options.h
//
// Everything `edgectl controlplane` needs, read the way Airflow reads configuration
// (common/airflow_config.h: defaults, airflow.cfg, AIRFLOW__SECTION__KEY, then flags applied by
// the command with AirflowConfig::Set) and validated before anything starts:
//   [edge] api_url                        Airflow's REST edge API (required)
//   [api_auth] jwt_secret                 signs the sidecar's JWTs (required unless
//                                         [edge] controlplane_oidc_token_url is set: then tokens
//                                         come from the OIDC issuer; never printed)
//   [database] sql_alchemy_conn           Airflow's metadata DB (SQLAlchemy URL or libpq string)
//   [edge] controlplane_listen_address    gRPC address, default 127.0.0.1:50051 (loopback unless
//                                         configured: a sidecar is not exposed by accident)
//   [edge] controlplane_metrics_address   /metrics address, default 127.0.0.1:9464; also serves
//                                         the read-only fleet page (/, /api/*) unless
//   [edge] controlplane_fleet_page        False (--no-fleet-page); default True
//   [edge] heartbeat_interval             seconds, default 30 (returned to workers)
//   [edge] controlplane_dispatch_poll_interval_ms   default 20 (p50 queued-to-dispatched
//                                         ~ half of it plus one jobs/fetch)
//   [edge] controlplane_ack_timeout_sec   default 30
//   [edge] controlplane_state_poll_interval_ms      default 1000
//   [edge] controlplane_dispatch_notify   default True: LISTEN for the optional edge_job trigger
//                                         (`edgectl db init --with-notify`) and dispatch on NOTIFY
//   [edge] controlplane_notify_poll_interval_ms     default 1000: the fallback poll while
//                                         notifications work and queued work remains
//   [edge] controlplane_notify_sql_alchemy_conn     default [database] sql_alchemy_conn: where
//                                         the LISTEN session connects (a direct connection or a
//                                         session-pooled PgBouncer; never transaction pooling)
//   [edge] push_log_chunk_size            characters per edge_logs row, default 524288
//   [edge] controlplane_tls_cert / controlplane_tls_key   PEM files; TLS when both are set
//   [edge] controlplane_tls_client_ca     PEM bundle: workers may authenticate with a client
//                                         certificate it signed (mutual TLS)
//   [edge] controlplane_worker_tokens     True: workers may authenticate with a per-worker token
//   --insecure-allow-unauthenticated      (flag only) take worker names on trust; without it and
//                                         without one of the two above the sidecar refuses to start
//   [edge] controlplane_tls_reload_interval_sec   how often certificate files are re-read (10)
//   [edge] controlplane_max_message_bytes         largest request accepted (4 MiB)
//   [edge] controlplane_max_log_bytes_per_sec     per worker, default 256 MiB/s
//   [edge] controlplane_max_log_streams_per_worker        default 4
//   [edge] controlplane_max_connects_per_worker_per_minute  default 30
//   [edge] controlplane_max_queued_calls_per_worker       default 256
//   [edge] controlplane_max_running_calls_per_worker      default 4 (of the REST threads)
//   [edge] controlplane_admissions_per_second     Register + Connect, whole sidecar (500)
//   [edge] controlplane_execution_api_relay       True: relay workers' Execution API calls
//                                         (RelayExecutionApi) to execution_api_url
//   [core] execution_api_server_url       where relayed calls go; default [edge] api_url with
//                                         edge_worker/v1... replaced by execution
//   [edge] controlplane_relay_timeout_sec         per relayed request (30)
//   [edge] controlplane_relay_threads             forwards at once, whole sidecar (32)
//   [edge] controlplane_relay_max_running_per_worker   forwards at once per worker (8)
//   [edgectl] api_ca_bundle               CA bundle for the API server (relay as REST client)
#ifndef EDGECTL_CONTROLPLANE_CONTROLPLANE_OPTIONS_H_
#define EDGECTL_CONTROLPLANE_CONTROLPLANE_OPTIONS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/airflow_config.h"
#include "common/database_url.h"

namespace edgectl::controlplane {

struct ControlPlaneOptions {
  std::string api_url;
  std::string jwt_secret;
  std::string oidc_token_url;  // [edge] controlplane_oidc_token_url (bridge/oidc_token_source.h)
  DatabaseUrl database;
  std::string listen_address = "127.0.0.1:50051";
  std::string metrics_address = "127.0.0.1:9464";  // "" = no metrics endpoint
  bool fleet_page = true;  // the fleet page and /api/* beside /metrics (controlplane/web/)
  int heartbeat_interval_seconds = 30;
  absl::Duration dispatch_poll_interval = absl::Milliseconds(20);
  absl::Duration ack_timeout = absl::Seconds(30);
  absl::Duration state_poll_interval = absl::Seconds(1);
  bool dispatch_notify = true;
  absl::Duration notify_poll_interval = absl::Seconds(1);
  absl::Duration notify_idle_poll_interval = absl::Seconds(60);
  std::optional<DatabaseUrl> notify_database;  // nullopt: `database`
  size_t push_log_chunk_size = 524288;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  bool worker_tokens = false;
  bool insecure_allow_unauthenticated = false;
  absl::Duration tls_reload_interval = absl::Seconds(10);
  size_t max_message_bytes = 4 << 20;
  double max_log_bytes_per_sec = 256.0 * 1024 * 1024;
  int max_log_streams_per_worker = 4;
  int max_connects_per_worker_per_minute = 30;
  size_t max_queued_calls_per_worker = 256;
  size_t max_running_calls_per_worker = 4;
  int admissions_per_second = 500;
  bool execution_api_relay = true;
  std::string execution_api_url;  // "": derived from api_url
  std::string api_ca_bundle;
  absl::Duration relay_timeout = absl::Seconds(30);
  size_t relay_threads = 32;
  size_t relay_running_per_worker = 8;
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
