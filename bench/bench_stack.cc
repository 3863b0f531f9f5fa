#include "bench/bench_stack.h"

#include <sys/stat.h>

#include <fstream>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "bridge/edge_api_client.h"
#include "common/database_url.h"
#include "common/tls_files.h"
#include "controlplane/auth/worker_token.h"
#include "controlplane/db/notify_trigger.h"
#include "controlplane/db/pg_status.h"
#include "controlplane/db/schema_installer.h"
#include "tests/fixtures/free_port.h"
#include "tests/fixtures/test_pki.h"

namespace edgectl::bench {

BenchStack::~BenchStack() {
  if (sidecar_) sidecar_->Shutdown();
  if (sidecar_process_) sidecar_process_->Stop();
  if (airflow_) airflow_->Stop();
  postgres_.Stop();
}

absl::Status BenchStack::StartDatabase(bool notify_trigger) {
  // Counts statements for the idle cost (CountStatements).
  postgres_.set_extra_server_options("-c shared_preload_libraries=pg_stat_statements");
  if (absl::Status s = postgres_.Start(); !s.ok()) return s;
  absl::StatusOr<std::string> dsn = postgres_.CreateDatabase("edge_bench");
  if (!dsn.ok()) return dsn.status();
  dsn_ = *dsn;
  absl::Status schema;
  absl::Status connected = db::RunPg("bench schema", [&] {
    pqxx::connection conn(dsn_);
    schema = db::CreateSchema(conn).status();
    if (schema.ok() && notify_trigger) schema = db::InstallNotifyTrigger(conn);
    pqxx::nontransaction(conn).exec0("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  });
  return connected.ok() ? schema : connected;
}

absl::Status BenchStack::Start(const BenchStackOptions& options) {
  if (absl::Status s = StartDatabase(options.notify_trigger); !s.ok()) return s;

  airflow_double::AirflowApiDoubleOptions double_options;
  double_options.dsn = dsn_;
  double_options.jwt_secret = kJwtSecret;
  double_options.threads = options.airflow_threads;
  airflow_ = std::make_unique<airflow_double::AirflowApiDouble>(double_options);
  if (absl::StatusOr<int> port = airflow_->Start(); !port.ok()) return port.status();

  absl::StatusOr<std::unique_ptr<bridge::EdgeApi>> api = NewEdgeApiClient();
  if (!api.ok()) return api.status();
  controlplane::ControlPlaneOptions sidecar_options;
  sidecar_options.api_url = airflow_->api_url();
  sidecar_options.jwt_secret = kJwtSecret;
  absl::StatusOr<DatabaseUrl> database = ParseDatabaseUrl(dsn_);
  if (!database.ok()) return database.status();
  sidecar_options.database = *database;
  sidecar_options.listen_address = "127.0.0.1:0";
  sidecar_options.metrics_address = "127.0.0.1:0";  // /metrics and the fleet page (viewers)
  sidecar_options.heartbeat_interval_seconds = options.heartbeat_interval_seconds;
  sidecar_options.dispatch_poll_interval = options.dispatch_poll_interval;
  absl::StatusOr<testing::TestPki> pki =
      testing::TestPki::Create(options.work_dir + "/pki", options.make_certs_script);
  if (!pki.ok()) return pki.status();
  if (!options.sidecar_binary.empty()) {
    absl::StatusOr<std::string> ca = tls::ReadPemFile(pki->ca(), "the benchmark's CA");
    if (!ca.ok()) return ca.status();
    ca_pem_ = *std::move(ca);
    return StartSidecarProcess(options, pki->sidecar().cert, pki->sidecar().key);
  }
  sidecar_options.tls_cert_file = pki->sidecar().cert;
  sidecar_options.tls_key_file = pki->sidecar().key;
  sidecar_options.worker_tokens = true;
  absl::StatusOr<std::string> ca = tls::ReadPemFile(pki->ca(), "the benchmark's CA");
  if (!ca.ok()) return ca.status();
  ca_pem_ = *std::move(ca);
  if (absl::Status s = sidecar_options.Validate(); !s.ok()) return s;
  sidecar_ = std::make_unique<controlplane::ControlPlaneServer>(
      std::move(sidecar_options), std::shared_ptr<bridge::EdgeApi>(std::move(*api)));
  return sidecar_->Start();
}

absl::Status BenchStack::StartSidecarProcess(const BenchStackOptions& options,
                                             const std::string& cert, const std::string& key) {
  absl::StatusOr<int> grpc_port = testing::FreeLoopbackPort();
  if (!grpc_port.ok()) return grpc_port.status();
  absl::StatusOr<int> http_port = testing::FreeLoopbackPort();
  if (!http_port.ok()) return http_port.status();
  grpc_port_ = *grpc_port;
  http_port_ = *http_port;
  const std::string secret_file = options.work_dir + "/jwt_secret";
  {
    std::ofstream out(secret_file);
    out << kJwtSecret;
    if (!out) return absl::UnavailableError("cannot write " + secret_file);
  }
  // A deployment's sidecar: TLS, per-worker tokens, the optimised binary, its own airflow.cfg
  // (an empty one: everything the benchmark sets is on the command line).
  const std::string home = options.work_dir + "/airflow_home";
  mkdir(home.c_str(), 0755);
  std::ofstream(home + "/airflow.cfg") << "[edge]\n";
  std::vector<std::string> args = {
      "controlplane",
      "--api-url", airflow_->api_url(),
      "--jwt-secret-file", secret_file,
      "--sql-alchemy-conn", dsn_,
      "--listen-address", absl::StrCat("127.0.0.1:", grpc_port_),
      "--metrics-address", absl::StrCat("127.0.0.1:", http_port_),
      "--heartbeat-interval", absl::StrCat(options.heartbeat_interval_seconds),
      "--dispatch-poll-interval-ms",
      absl::StrCat(absl::ToInt64Milliseconds(options.dispatch_poll_interval)),
      "--tls-cert", cert,
      "--tls-key", key,
      "--worker-tokens",
      "--log-level", "WARNING"};
  // Failures must show up in the numbers, not hide behind retries (as the in-process client).
  std::map<std::string, std::string> env = {{"AIRFLOW_HOME", home},
                                            {"AIRFLOW_CONFIG", home + "/airflow.cfg"},
                                            {"AIRFLOW__EDGE__API_RETRIES", "1"}};
  sidecar_process_ = std::make_unique<SidecarProcess>();
  return sidecar_process_->Start(options.sidecar_binary, args, env,
                                 options.work_dir + "/sidecar.log", grpc_port_);
}

absl::StatusOr<ProcessUsage> BenchStack::sidecar_usage() const {
  if (sidecar_process_ == nullptr) {
    return absl::FailedPreconditionError("the sidecar runs inside the benchmark process");
  }
  return sidecar_process_->Usage();
}

// Statements run in the benchmark's database since the last reset; the counting itself left out.
constexpr char kStatementsSql[] =
    "SELECT COALESCE(sum(calls), 0)::bigint FROM pg_stat_statements "
    "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND query NOT LIKE '%pg_stat_statements%'";

absl::Status BenchStack::ResetStatements() {
  return db::RunPg("reset statement counts", [&] {
    pqxx::connection conn(dsn_);
    pqxx::nontransaction(conn).exec("SELECT pg_stat_statements_reset()");
  });
}

absl::StatusOr<int64_t> BenchStack::ReadStatements() {
  int64_t statements = 0;
  absl::Status s = db::RunPg("count statements", [&] {
    pqxx::connection conn(dsn_);
    statements = pqxx::nontransaction(conn).exec1(kStatementsSql)[0].as<int64_t>();
  });
  if (!s.ok()) return s;
  return statements;
}

absl::StatusOr<int64_t> BenchStack::CountStatements(absl::Duration window) {
  int64_t statements = 0;
  absl::Status s = db::RunPg("count idle statements", [&] {
    pqxx::connection conn(dsn_);
    pqxx::nontransaction tx(conn);
    tx.exec("SELECT pg_stat_statements_reset()");
    absl::SleepFor(window);
    statements = tx.exec1(kStatementsSql)[0].as<int64_t>();
  });
  if (!s.ok()) return s;
  return statements;
}

absl::Status BenchStack::IssueTokens(
    const std::vector<std::pair<std::string, std::string>>& worker_tokens) {
  return db::RunPg("issue worker tokens", [&] {
    pqxx::connection conn(dsn_);
    pqxx::work tx(conn);
    for (const auto& [worker, token] : worker_tokens) {
      tx.exec_params("INSERT INTO edgectl_worker_token (token_sha256, worker_name) VALUES ($1, $2)",
                     auth::TokenSha256Hex(token), worker);
    }
    tx.commit();
  });
}

int BenchStack::http_port() const {
  return sidecar_process_ ? http_port_ : sidecar_->metrics_port();
}

std::string BenchStack::sidecar_address() const {
  return absl::StrCat("127.0.0.1:", sidecar_process_ ? grpc_port_ : sidecar_->port());
}

absl::StatusOr<std::unique_ptr<bridge::EdgeApi>> BenchStack::NewEdgeApiClient() const {
  bridge::EdgeApiClientOptions options;
  options.api_url = airflow_->api_url();
  options.jwt_secret = kJwtSecret;
  // Failures must show up in the numbers, not hide behind minutes of retries.
  options.retry.attempts = 1;
  absl::StatusOr<std::unique_ptr<bridge::EdgeApiClient>> client =
      bridge::EdgeApiClient::Create(std::move(options));
  if (!client.ok()) return client.status();
  return std::unique_ptr<bridge::EdgeApi>(std::move(*client));
}

}  // namespace edgectl::bench
