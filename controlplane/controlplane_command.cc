#include "controlplane/controlplane_command.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "bridge/edge_api_client.h"
#include "common/airflow_config.h"
#include "common/build_info.h"
#include "common/database_url.h"
#include "common/logging.h"
#include "common/malloc_tuning.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "controlplane/controlplane_options.h"
#include "controlplane/controlplane_server.h"

namespace edgectl::controlplane {
namespace {

struct Flags {
  std::string api_url;
  std::string execution_api_url;
  std::string jwt_secret_file;
  std::string sql_alchemy_conn;
  std::string listen_address;
  std::string metrics_address;
  std::string heartbeat_interval;
  std::string dispatch_poll_interval_ms;
  std::string ack_timeout_sec;
  std::string state_poll_interval_ms;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  bool worker_tokens = false;
  bool no_fleet_page = false;
  bool insecure_allow_unauthenticated = false;
  size_t rest_threads = 16;
  size_t db_connections = 4;
  bool verbose = false;
  std::string log_level;
  bool log_json = false;
};

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read --jwt-secret-file ", path, ": check the path and permissions"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string secret(absl::StripTrailingAsciiWhitespace(text.str()));
  if (secret.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("--jwt-secret-file ", path, " is empty"));
  }
  return secret;
}

// Flags win over airflow.cfg and the environment.
absl::Status ApplyFlags(const Flags& f, AirflowConfig& config) {
  const auto set = [&](const char* section, const char* key, const std::string& value) {
    if (!value.empty()) config.Set(section, key, value);
  };
  set("edge", "api_url", f.api_url);
  set("core", "execution_api_server_url", f.execution_api_url);
  set("database", "sql_alchemy_conn", f.sql_alchemy_conn);
  set("edge", "controlplane_listen_address", f.listen_address);
  set("edge", "controlplane_metrics_address", f.metrics_address);
  set("edge", "heartbeat_interval", f.heartbeat_interval);
  set("edge", "controlplane_dispatch_poll_interval_ms", f.dispatch_poll_interval_ms);
  set("edge", "controlplane_ack_timeout_sec", f.ack_timeout_sec);
  set("edge", "controlplane_state_poll_interval_ms", f.state_poll_interval_ms);
  set("edge", "controlplane_tls_cert", f.tls_cert);
  set("edge", "controlplane_tls_key", f.tls_key);
  set("edge", "controlplane_tls_client_ca", f.tls_client_ca);
  if (f.worker_tokens) config.Set("edge", "controlplane_worker_tokens", "True");
  if (f.no_fleet_page) config.Set("edge", "controlplane_fleet_page", "False");
  if (!f.jwt_secret_file.empty()) {
    absl::StatusOr<std::string> secret = ReadSecretFile(f.jwt_secret_file);
    if (!secret.ok()) return secret.status();
    config.Set("api_auth", "jwt_secret", *secret);
  }
  return absl::OkStatus();
}

// The sidecar calls Airflow on a worker's behalf while the worker waits, and the worker already
// retries with backoff; edge3's worker policy (10 tries, up to 90 s apart) would pin REST threads
// for minutes. AIRFLOW__EDGE__API_RETRIES / _RETRY_WAIT_MIN / _MAX still override these.
absl::StatusOr<bridge::RetryOptions> SidecarRetryOptions() {
  bridge::RetryOptions defaults;
  defaults.attempts = 3;
  defaults.wait_min = absl::Milliseconds(200);
  defaults.wait_max = absl::Seconds(2);
  return bridge::RetryOptionsFromEnv(
      [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
      },
      defaults);
}

std::string Printable(const std::string& address, int port) {
  const auto host = SplitHostPort(address);
  return absl::StrCat(host.ok() ? host->first : address, ":", port);
}

int Run(const Flags& flags) {
  KeepFreedMemoryForReuse();  // log chunks' buffers are reused, not faulted in again
  // Until the configuration is read: the same format, at INFO.
  InstallLogging(LogOptions{}, "controlplane",
                 {std::make_shared<spdlog::sinks::stdout_sink_mt>()});
  if (std::string warning = PasswordOnCommandLineWarning(flags.sql_alchemy_conn); !warning.empty()) {
    spdlog::warn("{}", warning);
  }
  absl::StatusOr<AirflowConfig> config = AirflowConfig::Load();
  if (!config.ok()) {
    std::cerr << "edgectl controlplane: " << config.status().message() << "\n";
    return 1;
  }
  absl::Status applied = ApplyFlags(flags, *config);
  absl::StatusOr<LogOptions> log =
      LogOptionsFromConfig(*config, flags.log_level, flags.log_json, flags.verbose);
  if (!log.ok()) {
    std::cerr << "edgectl controlplane: " << log.status().message() << "\n";
    return 1;
  }
  InstallLogging(*log, "controlplane", {std::make_shared<spdlog::sinks::stdout_sink_mt>()});
  absl::StatusOr<ControlPlaneOptions> options =
      applied.ok() ? OptionsFromConfig(*config) : absl::StatusOr<ControlPlaneOptions>(applied);
  if (options.ok()) {
    options->executor_threads = flags.rest_threads;
    options->db_pool_size = flags.db_connections;
    options->insecure_allow_unauthenticated = flags.insecure_allow_unauthenticated;
    applied = options->Validate();
  }
  absl::StatusOr<bridge::EdgeApiClientOptions> api_options =
      bridge::EdgeApiClientOptions::FromAirflowConfig(*config);
  absl::StatusOr<bridge::RetryOptions> retry = SidecarRetryOptions();
  if (api_options.ok() && retry.ok()) api_options->retry = *retry;
  if (!retry.ok()) api_options = retry.status();
  absl::StatusOr<std::unique_ptr<bridge::EdgeApiClient>> api =
      api_options.ok() ? bridge::EdgeApiClient::Create(*std::move(api_options))
                       : api_options.status();
  for (const absl::Status& s : {options.status(), applied, api.status()}) {
    if (!s.ok()) {
      std::cerr << "edgectl controlplane: " << s.message() << "\n";
      return 1;
    }
  }
  // Signals are taken by sigwait below, so every thread started from here on blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  spdlog::info("{} starting as the control-plane sidecar", VersionLine());
  spdlog::info("controlplane: Airflow API {}, database {}", options->api_url,
               options->database.Describe());
  if (const std::string token_url = config->GetOr("edge", "controlplane_oidc_token_url", "");
      !token_url.empty()) {
    spdlog::info("controlplane: tokens for Airflow's API from the OIDC issuer {} (client id '{}')",
                 token_url, config->GetOr("edge", "controlplane_oidc_client_id", ""));
  }
  ControlPlaneServer server(*options, std::shared_ptr<bridge::EdgeApi>(*std::move(api)));
  if (absl::Status s = server.Start(); !s.ok()) {
    std::cerr << "edgectl controlplane: " << s.message() << "\n";
    return 1;
  }
  std::cout << "controlplane listening on " << Printable(options->listen_address, server.port())
            << " (metrics on "
            << (options->metrics_address.empty()
                    ? std::string("none")
                    : Printable(options->metrics_address, server.metrics_port()))
            << ")" << std::endl;
  if (options->fleet_page && !options->metrics_address.empty()) {
    std::cout << "fleet page on http://"
              << Printable(options->metrics_address, server.metrics_port()) << "/" << std::endl;
  }
  int signal = 0;
  // SIGHUP (a log rotation, an operator's reload) never stops the sidecar: its certificate
  // files and client CA are re-read on their own every reload interval, tokens on every call.
  // SIGHUP re-reads the logging level ([logging] logging_level, unless --log-level was given).
  while (sigwait(&signals, &signal) == 0 && signal == SIGHUP) {
    absl::StatusOr<AirflowConfig> reread = AirflowConfig::Load();
    absl::StatusOr<LogOptions> relog =
        reread.ok() ? LogOptionsFromConfig(*reread, flags.log_level, flags.log_json, flags.verbose)
                    : absl::StatusOr<LogOptions>(reread.status());
    // Logged before the new level applies, so it shows whatever that level is.
    spdlog::info("controlplane: SIGHUP: logging level {}{}; TLS files are re-read every {} s "
                 "and worker tokens on every call",
                 spdlog::level::to_string_view(relog.ok() ? relog->level
                                                          : spdlog::default_logger()->level()),
                 relog.ok() ? "" : absl::StrCat(" (kept: ", relog.status().message(), ")"),
                 absl::ToInt64Seconds(options->tls_reload_interval));
    if (relog.ok()) spdlog::set_level(relog->level);
  }
  spdlog::info("controlplane: received {}, shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
  server.Shutdown();
  return 0;
}

}  // namespace

void AddControlPlaneCommand(CLI::App& app, cli::CliContext& context) {
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "controlplane",
      "Run the control-plane sidecar next to the Airflow API server: edge workers connect to it "
      "over gRPC and it speaks Airflow's REST edge API and reads the metadata database.");
  cmd->add_option("--api-url", flags->api_url, "[edge] api_url: Airflow's edge API URL");
  cmd->add_option("--execution-api-url", flags->execution_api_url,
                  "[core] execution_api_server_url: where relayed Execution API calls of tasks go "
                  "(default: from [edge] api_url, .../execution)");
  cmd->add_option("--jwt-secret-file", flags->jwt_secret_file,
                  "file holding [api_auth] jwt_secret (keeps it off the command line)");
  cmd->add_option("--sql-alchemy-conn", flags->sql_alchemy_conn,
                  "[database] sql_alchemy_conn: the metadata database (SQLAlchemy URL or libpq)");
  cmd->add_option("--listen-address", flags->listen_address,
                  "[edge] controlplane_listen_address, gRPC HOST:PORT (default 127.0.0.1:50051; "
                  "0.0.0.0:50051 to serve remote sites)");
  cmd->add_option("--metrics-address", flags->metrics_address,
                  "[edge] controlplane_metrics_address, /metrics HOST:PORT "
                  "(default 127.0.0.1:9464)");
  cmd->add_flag("--no-fleet-page", flags->no_fleet_page,
                "[edge] controlplane_fleet_page = False: serve only /metrics, not the read-only "
                "fleet page (/) and its JSON API (/api/)");
  cmd->add_option("--heartbeat-interval", flags->heartbeat_interval,
                  "[edge] heartbeat_interval in seconds, told to workers (default 30)");
  cmd->add_option("--dispatch-poll-interval-ms", flags->dispatch_poll_interval_ms,
                  "how often to look for queued jobs (default 20)");
  cmd->add_option("--ack-timeout-sec", flags->ack_timeout_sec,
                  "requeue a dispatched job not acknowledged within this time (default 30)");
  cmd->add_option("--state-poll-interval-ms", flags->state_poll_interval_ms,
                  "how often to look for central worker state changes (default 1000)");
  cmd->add_option("--tls-cert", flags->tls_cert, "[edge] controlplane_tls_cert (PEM)");
  cmd->add_option("--tls-key", flags->tls_key, "[edge] controlplane_tls_key (PEM)");
  cmd->add_option("--tls-client-ca", flags->tls_client_ca,
                  "[edge] controlplane_tls_client_ca: CA bundle (PEM) whose client certificates "
                  "authenticate workers (mutual TLS); the certificate names the worker");
  cmd->add_flag("--worker-tokens", flags->worker_tokens,
                "[edge] controlplane_worker_tokens: accept per-worker tokens "
                "(`edgectl token issue`), over TLS");
  cmd->add_flag("--insecure-allow-unauthenticated", flags->insecure_allow_unauthenticated,
                "accept workers without certificate or token, taking the name they claim "
                "(trusted networks only; logged as a warning every hour)");
  cmd->add_option("--rest-threads", flags->rest_threads,
                  "threads for blocking REST and database calls (default 16)");
  cmd->add_option("--db-connections", flags->db_connections,
                  "PostgreSQL connections (default 4)");
  cmd->add_flag("-v,--verbose", flags->verbose, "debug logging");
  cmd->add_option("--log-level", flags->log_level,
                  "DEBUG, INFO, WARNING, ERROR or CRITICAL (default [logging] logging_level)");
  cmd->add_flag("--log-json", flags->log_json,
                "log JSON lines (time, level, logger, message); also [logging] json_format");
  cmd->callback([flags, &context] { context.exit_code = Run(*flags); });
}

}  // namespace edgectl::controlplane
