#include "tests/e2e/edge_stack.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "controlplane/db/pg_status.h"
#include "tests/fixtures/free_port.h"

namespace edgectl::e2e {
std::string QueryValue(const std::string& dsn, const std::string& sql) {
  absl::StatusOr<std::string> value = db::RunPg("query", [&]() -> std::string {
    pqxx::connection conn(dsn);
    pqxx::read_transaction tx(conn);
    pqxx::result r = tx.exec(sql);
    if (r.empty() || r[0][0].is_null()) return "";
    return r[0][0].as<std::string>();
  });
  return value.ok() ? *value : "error: " + std::string(value.status().message());
}

absl::StatusOr<std::unique_ptr<EdgeStack>> EdgeStack::Start(const EdgeStackOptions& in) {
  EdgeStackOptions options = in;
  if (options.edgectl_binary.empty()) options.edgectl_binary = Runfile("cli/edgectl");
  if (options.double_binary.empty()) {
    options.double_binary = Runfile("tests/airflow_double/airflow_double_main");
  }
  if (options.standin_dir.empty()) options.standin_dir = Runfile("tests/task_sdk_standin");
  std::unique_ptr<EdgeStack> stack(new EdgeStack(options));
  mkdir((options.work_dir + "/logs").c_str(), 0755);

  absl::StatusOr<int> double_port = testing::FreeLoopbackPort();
  if (!double_port.ok()) return double_port.status();
  stack->double_port_ = *double_port;
  absl::Status double_started =
      stack->StartAirflowDouble(options.airflow_version, options.edge_provider_version);
  if (!double_started.ok()) return double_started;

  if (options.tls) {
    stack->tls_cert_ = options.work_dir + "/sidecar-cert.pem";
    stack->tls_key_ = options.work_dir + "/sidecar-key.pem";
    const std::string openssl = absl::StrCat(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout ", stack->tls_key_, " -out ",
        stack->tls_cert_, " >/dev/null 2>&1");
    if (std::system(openssl.c_str()) != 0) {
      return absl::FailedPreconditionError("openssl could not make a test certificate");
    }
  }
  absl::StatusOr<int> port = testing::FreeLoopbackPort();
  if (!port.ok()) return port.status();
  stack->controlplane_port_ = *port;
  absl::Status started = stack->StartControlPlane();
  if (!started.ok()) return started;
  return stack;
}

absl::Status EdgeStack::StartAirflowDouble(const std::string& airflow_version,
                                           const std::string& edge_provider_version) {
  auto process = ChildProcess::Start(
      {options_.double_binary, absl::StrCat("--port=", double_port_), "--dsn=" + options_.dsn,
       "--jwt_secret=" + options_.jwt_secret, "--airflow_version=" + airflow_version,
       "--edge_provider_version=" + edge_provider_version},
      {}, options_.work_dir);
  if (!process.ok()) return process.status();
  double_ = std::move(*process);
  return double_->WaitForOutput("listening on 127.0.0.1:", absl::Seconds(30)).status();
}

absl::Status EdgeStack::RestartAirflowDouble(const std::string& airflow_version,
                                             const std::string& edge_provider_version) {
  double_.reset();
  return StartAirflowDouble(airflow_version, edge_provider_version);
}

std::string EdgeStack::controlplane_address() const {
  return absl::StrCat("127.0.0.1:", controlplane_port_);
}

std::string EdgeStack::api_url() const {
  return absl::StrCat("http://127.0.0.1:", double_port_, "/edge_worker/v1/rpcapi");
}

absl::Status EdgeStack::StartControlPlane() {
  const std::string secret_file = options_.work_dir + "/jwt_secret";
  {
    std::ofstream out(secret_file);
    out << options_.jwt_secret;
  }
  chmod(secret_file.c_str(), 0600);
  std::vector<std::string> argv = {
      options_.edgectl_binary, "controlplane", "--listen-address=" + controlplane_address(),
      "--metrics-address=127.0.0.1:0", "--api-url=" + api_url(),
      "--jwt-secret-file=" + secret_file, "--sql-alchemy-conn=" + options_.dsn,
      absl::StrCat("--heartbeat-interval=", options_.heartbeat_interval_sec)};
  if (!tls_cert_.empty()) {
    argv.push_back("--tls-cert=" + tls_cert_);
    argv.push_back("--tls-key=" + tls_key_);
  }
  auto process = ChildProcess::Start(
      argv, {{"AIRFLOW_HOME", options_.work_dir + "/home-controlplane"}}, options_.work_dir);
  if (!process.ok()) return process.status();
  controlplane_ = std::move(*process);
  return controlplane_->WaitForOutput("controlplane listening on", absl::Seconds(30)).status();
}

absl::Status EdgeStack::KillControlPlane() {
  controlplane_.reset();  // SIGKILL to its process group, then reaped
  return absl::OkStatus();
}

std::map<std::string, std::string> EdgeStack::WorkerEnv(const std::string& worker) const {
  std::map<std::string, std::string> env = {
      {"AIRFLOW_HOME", airflow_home(worker)},
      {"PYTHONPATH", options_.standin_dir},
      {"AIRFLOW__LOGGING__BASE_LOG_FOLDER", base_log_folder()},
      {"AIRFLOW__EDGE__API_URL", api_url()},
      {"EDGECTL_STANDIN_AIRFLOW_VERSION", options_.airflow_version},
      {"EDGECTL_STANDIN_EDGE_VERSION", options_.edge_provider_version},
  };
  if (!tls_cert_.empty()) env["AIRFLOW__EDGE__CONTROLPLANE_TLS_CA"] = tls_cert_;
  return env;
}

absl::StatusOr<std::unique_ptr<ChildProcess>> EdgeStack::StartWorker(
    const std::string& name, const std::vector<std::string>& extra_args,
    const std::map<std::string, std::string>& extra_env) {
  mkdir(airflow_home(name).c_str(), 0755);
  std::vector<std::string> argv = {options_.edgectl_binary, "worker", "-H", name,
                                   "--controlplane-address=" + controlplane_address()};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  std::map<std::string, std::string> env = WorkerEnv(name);
  for (const auto& [k, v] : extra_env) env[k] = v;
  auto process = ChildProcess::Start(argv, env, options_.work_dir);
  if (!process.ok()) return process;
  const std::string query =
      "SELECT state FROM edge_worker WHERE worker_name = '" + name +
      "' AND state NOT IN ('offline', 'unknown', 'offline maintenance')";
  ChildProcess* worker = process->get();
  bool registered = Eventually(
      [&] {
        std::string state = QueryValue(options_.dsn, query);
        return (!state.empty() && state.rfind("error", 0) != 0) || !worker->Running();
      },
      absl::Seconds(30));
  if (!registered || !worker->Running()) {
    return absl::UnavailableError(absl::StrCat("worker ", name, " did not register; output:\n",
                                               worker->Stdout(), worker->Stderr()));
  }
  return process;
}

}  // namespace edgectl::e2e
