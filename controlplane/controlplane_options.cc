#include "controlplane/controlplane_options.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/execution_api_url.h"

namespace edgectl::controlplane {

absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "address \"", address, "\" is not HOST:PORT (e.g. 0.0.0.0:50051; port 0 = any free)"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::make_pair(host, port);
}

absl::Status ControlPlaneOptions::Validate() const {
  if (api_url.empty()) {
    return absl::InvalidArgumentError(
        "[edge] api_url is not set: set it in airflow.cfg, AIRFLOW__EDGE__API_URL or --api-url "
        "(e.g. http://airflow-api:8080/edge_worker/v1/rpcapi)");
  }
  if (jwt_secret.empty() && oidc_token_url.empty()) {
    return absl::InvalidArgumentError(
        "[api_auth] jwt_secret is not set: the sidecar signs its calls to Airflow with it; set "
        "it in airflow.cfg, AIRFLOW__API_AUTH__JWT_SECRET or --jwt-secret-file (or, when the API "
        "server verifies OIDC tokens, set [edge] controlplane_oidc_token_url)");
  }
  if (database.dbname.empty() && database.host.empty()) {
    return absl::InvalidArgumentError(
        "[database] sql_alchemy_conn is not set: set it in airflow.cfg, "
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN or --sql-alchemy-conn");
  }
  if (absl::Status s = SplitHostPort(listen_address).status(); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--listen-address: ", s.message()));
  }
  if (!metrics_address.empty()) {
    if (absl::Status s = SplitHostPort(metrics_address).status(); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--metrics-address: ", s.message()));
    }
  }
  if (heartbeat_interval_seconds < 1) {
    return absl::InvalidArgumentError("[edge] heartbeat_interval must be at least 1 second");
  }
  if (dispatch_poll_interval < absl::Milliseconds(1)) {
    return absl::InvalidArgumentError("--dispatch-poll-interval-ms must be at least 1");
  }
  if (ack_timeout < absl::Milliseconds(100)) {
    return absl::InvalidArgumentError("--ack-timeout-sec must be at least 0.1");
  }
  if (notify_poll_interval < absl::Milliseconds(10)) {
    return absl::InvalidArgumentError(
        "[edge] controlplane_notify_poll_interval_ms must be at least 10");
  }
  if (state_poll_interval < absl::Milliseconds(10)) {
    return absl::InvalidArgumentError("--state-poll-interval-ms must be at least 10");
  }
  if (push_log_chunk_size < 1) {
    return absl::InvalidArgumentError("[edge] push_log_chunk_size must be at least 1");
  }
  if (tls_cert_file.empty() != tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both [edge] controlplane_tls_cert and controlplane_tls_key (or neither)");
  }
  if (!tls_client_ca_file.empty() && tls_cert_file.empty()) {
    return absl::InvalidArgumentError(
        "[edge] controlplane_tls_client_ca (mutual TLS) needs the sidecar's own certificate: set "
        "controlplane_tls_cert and controlplane_tls_key (--tls-cert, --tls-key)");
  }
  if (worker_tokens && tls_cert_file.empty()) {
    return absl::InvalidArgumentError(
        "[edge] controlplane_worker_tokens needs TLS (a token sent in plaintext is a token given "
        "away): set controlplane_tls_cert and controlplane_tls_key (--tls-cert, --tls-key)");
  }
  if (tls_client_ca_file.empty() && !worker_tokens && !insecure_allow_unauthenticated) {
    return absl::InvalidArgumentError(
        "no worker authentication is configured, so any client reaching the port could act as "
        "any worker: give the sidecar a client CA for mutual TLS (--tls-client-ca, [edge] "
        "controlplane_tls_client_ca) and/or enable per-worker tokens (--worker-tokens, [edge] "
        "controlplane_worker_tokens; see `edgectl token issue`). Only on a trusted network: "
        "--insecure-allow-unauthenticated");
  }
  if (max_message_bytes < 64 * 1024) {
    return absl::InvalidArgumentError("[edge] controlplane_max_message_bytes must be at least 65536");
  }
  if (max_log_bytes_per_sec < 1024 || max_log_streams_per_worker < 1 ||
      max_connects_per_worker_per_minute < 1 || max_queued_calls_per_worker < 1 ||
      max_running_calls_per_worker < 1 || admissions_per_second < 1) {
    return absl::InvalidArgumentError(
        "per-worker limits must be positive (controlplane_max_log_bytes_per_sec at least 1024)");
  }
  if (tls_reload_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "[edge] controlplane_tls_reload_interval_sec must be at least 1");
  }
  if (execution_api_relay) {
    if (relay_timeout <= absl::ZeroDuration() || relay_threads < 1 ||
        relay_running_per_worker < 1) {
      return absl::InvalidArgumentError(
          "[edge] controlplane_relay_timeout_sec, controlplane_relay_threads and "
          "controlplane_relay_max_running_per_worker must be positive");
    }
  }
  if (executor_threads < 1 || db_pool_size < 1) {
    return absl::InvalidArgumentError("--rest-threads and --db-connections must be at least 1");
  }
  return absl::OkStatus();
}

absl::StatusOr<ControlPlaneOptions> OptionsFromConfig(const AirflowConfig& config) {
  ControlPlaneOptions o;
  o.api_url = config.GetOr("edge", "api_url", "");
  o.jwt_secret = config.GetOr("api_auth", "jwt_secret", "");
  o.oidc_token_url = config.GetOr("edge", "controlplane_oidc_token_url", "");
  const std::string conn = config.GetOr("database", "sql_alchemy_conn", "");
  if (!conn.empty()) {
    absl::StatusOr<DatabaseUrl> db = ParseDatabaseUrl(conn);
    if (!db.ok()) return db.status();
    o.database = *std::move(db);
  }
  o.listen_address = config.GetOr("edge", "controlplane_listen_address", o.listen_address);
  o.metrics_address = config.GetOr("edge", "controlplane_metrics_address", o.metrics_address);
  absl::StatusOr<int> heartbeat = config.GetInt("edge", "heartbeat_interval", 30);
  absl::StatusOr<int> poll_ms = config.GetInt("edge", "controlplane_dispatch_poll_interval_ms", 20);
  absl::StatusOr<double> ack_sec = config.GetDouble("edge", "controlplane_ack_timeout_sec", 30);
  absl::StatusOr<int> state_ms =
      config.GetInt("edge", "controlplane_state_poll_interval_ms", 1000);
  absl::StatusOr<int> chunk = config.GetInt("edge", "push_log_chunk_size", 524288);
  for (const absl::Status& s : {heartbeat.status(), poll_ms.status(), ack_sec.status(),
                                state_ms.status(), chunk.status()}) {
    if (!s.ok()) return s;
  }
  o.heartbeat_interval_seconds = *heartbeat;
  o.dispatch_poll_interval = absl::Milliseconds(*poll_ms);
  o.ack_timeout = absl::Seconds(*ack_sec);
  o.state_poll_interval = absl::Milliseconds(*state_ms);
  absl::StatusOr<bool> notify = config.GetBool("edge", "controlplane_dispatch_notify", true);
  absl::StatusOr<int> notify_ms =
      config.GetInt("edge", "controlplane_notify_poll_interval_ms", 1000);
  if (!notify.ok()) return notify.status();
  if (!notify_ms.ok()) return notify_ms.status();
  o.dispatch_notify = *notify;
  o.notify_poll_interval = absl::Milliseconds(*notify_ms);
  if (const std::string notify_conn =
          config.GetOr("edge", "controlplane_notify_sql_alchemy_conn", "");
      !notify_conn.empty()) {
    absl::StatusOr<DatabaseUrl> db = ParseDatabaseUrl(notify_conn);
    if (!db.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "[edge] controlplane_notify_sql_alchemy_conn: ", db.status().message()));
    }
    o.notify_database = *std::move(db);
  }
  o.push_log_chunk_size = *chunk > 0 ? static_cast<size_t>(*chunk) : 0;
  o.tls_cert_file = config.GetOr("edge", "controlplane_tls_cert", "");
  o.tls_key_file = config.GetOr("edge", "controlplane_tls_key", "");
  o.tls_client_ca_file = config.GetOr("edge", "controlplane_tls_client_ca", "");
  absl::StatusOr<bool> tokens = config.GetBool("edge", "controlplane_worker_tokens", false);
  absl::StatusOr<bool> fleet_page = config.GetBool("edge", "controlplane_fleet_page", true);
  absl::StatusOr<int> reload = config.GetInt("edge", "controlplane_tls_reload_interval_sec", 10);
  absl::StatusOr<int> max_message =
      config.GetInt("edge", "controlplane_max_message_bytes", 4 << 20);
  absl::StatusOr<double> log_rate =
      config.GetDouble("edge", "controlplane_max_log_bytes_per_sec", o.max_log_bytes_per_sec);
  absl::StatusOr<int> log_streams =
      config.GetInt("edge", "controlplane_max_log_streams_per_worker", 4);
  absl::StatusOr<int> connects =
      config.GetInt("edge", "controlplane_max_connects_per_worker_per_minute", 30);
  absl::StatusOr<int> queued = config.GetInt("edge", "controlplane_max_queued_calls_per_worker", 256);
  absl::StatusOr<int> running =
      config.GetInt("edge", "controlplane_max_running_calls_per_worker", 4);
  absl::StatusOr<int> admissions = config.GetInt("edge", "controlplane_admissions_per_second", 500);
  for (const absl::Status& s :
       {tokens.status(), fleet_page.status(), reload.status(), max_message.status(), log_rate.status(),
        log_streams.status(), connects.status(), queued.status(), running.status(),
        admissions.status()}) {
    if (!s.ok()) return s;
  }
  o.worker_tokens = *tokens;
  o.fleet_page = *fleet_page;
  o.tls_reload_interval = absl::Seconds(*reload);
  o.max_message_bytes = *max_message > 0 ? static_cast<size_t>(*max_message) : 0;
  o.max_log_bytes_per_sec = *log_rate;
  o.max_log_streams_per_worker = *log_streams;
  o.max_connects_per_worker_per_minute = *connects;
  o.max_queued_calls_per_worker = *queued > 0 ? static_cast<size_t>(*queued) : 0;
  o.max_running_calls_per_worker = *running > 0 ? static_cast<size_t>(*running) : 0;
  o.admissions_per_second = *admissions;
  absl::StatusOr<bool> relay = config.GetBool("edge", "controlplane_execution_api_relay", true);
  absl::StatusOr<double> relay_timeout =
      config.GetDouble("edge", "controlplane_relay_timeout_sec", 30);
  absl::StatusOr<int> relay_threads = config.GetInt("edge", "controlplane_relay_threads", 32);
  absl::StatusOr<int> relay_running =
      config.GetInt("edge", "controlplane_relay_max_running_per_worker", 8);
  for (const absl::Status& s : {relay.status(), relay_timeout.status(), relay_threads.status(),
                                relay_running.status()}) {
    if (!s.ok()) return s;
  }
  o.execution_api_relay = *relay;
  o.execution_api_url = ExecutionApiServerUrl(config);
  o.api_ca_bundle = config.GetOr("edgectl", "api_ca_bundle", "");
  o.relay_timeout = absl::Seconds(*relay_timeout);
  o.relay_threads = *relay_threads > 0 ? static_cast<size_t>(*relay_threads) : 0;
  o.relay_running_per_worker = *relay_running > 0 ? static_cast<size_t>(*relay_running) : 0;
  return o;
}

}  // namespace edgectl::controlplane
