#include "tests/e2e/edge_stack.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>

#include <fcntl.h>
#include <httplib.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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
  if (options.make_certs_script.empty()) options.make_certs_script = Runfile("scripts/make-certs");
  std::unique_ptr<EdgeStack> stack(new EdgeStack(options));
  mkdir((options.work_dir + "/logs").c_str(), 0755);

  absl::StatusOr<int> double_port = testing::FreeLoopbackPort();
  if (!double_port.ok()) return double_port.status();
  stack->double_port_ = *double_port;
  absl::Status double_started =
      stack->StartAirflowDouble(options.airflow_version, options.edge_provider_version);
  if (!double_started.ok()) return double_started;

  if (!options.insecure) {
    absl::StatusOr<testing::TestPki> pki =
        testing::TestPki::Create(options.work_dir + "/pki", options.make_certs_script);
    if (!pki.ok()) return pki.status();
    stack->pki_ = *std::move(pki);
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
  std::vector<std::string> argv = {
      options_.double_binary, absl::StrCat("--port=", double_port_), "--dsn=" + options_.dsn,
      "--jwt_secret=" + options_.jwt_secret, "--airflow_version=" + airflow_version,
      "--edge_provider_version=" + edge_provider_version};
  if (!options_.edge3_version.empty()) argv.push_back("--edge3_version=" + options_.edge3_version);
  if (!options_.comment_merge.empty()) argv.push_back("--comment_merge=" + options_.comment_merge);
  argv.insert(argv.end(), options_.double_args.begin(), options_.double_args.end());
  auto process = ChildProcess::Start(argv, {}, options_.work_dir);
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

absl::Status EdgeStack::SetAirflowFaults(double fail_fraction) {
  httplib::Client client("127.0.0.1", double_port_);
  auto res = client.Put("/_double/faults",
                        absl::StrCat("{\"fail_fraction\": ", fail_fraction, "}"),
                        "application/json");
  if (!res || res->status != 200) {
    return absl::UnavailableError("the Airflow double did not take the fault setting");
  }
  return absl::OkStatus();
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
  if (pki_.has_value()) {
    argv.push_back("--tls-cert=" + pki_->sidecar().cert);
    argv.push_back("--tls-key=" + pki_->sidecar().key);
    argv.push_back("--tls-client-ca=" + pki_->ca());
    argv.push_back("--worker-tokens");
  } else {
    argv.push_back("--insecure-allow-unauthenticated");
  }
  if (options_.controlplane_open_file_limit > 0) {
    // prlimit sets the limit on itself and execs the sidecar, so the pid stays the sidecar's.
    const std::string limit = std::to_string(options_.controlplane_open_file_limit);
    argv.insert(argv.begin(), {"/usr/bin/prlimit", "--nofile=" + limit + ":" + limit, "--"});
  }
  std::map<std::string, std::string> env = options_.controlplane_env;
  env["AIRFLOW_HOME"] = options_.work_dir + "/home-controlplane";
  auto process = ChildProcess::Start(argv, env, options_.work_dir);
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
  if (pki_.has_value()) {
    env["AIRFLOW__EDGE__CONTROLPLANE_TLS_CA"] = pki_->ca();
    if (options_.worker_auth == WorkerAuth::kCertificate) {
      env["AIRFLOW__EDGE__CONTROLPLANE_TLS_CERT"] = pki_->dir() + "/worker-" + worker + ".pem";
      env["AIRFLOW__EDGE__CONTROLPLANE_TLS_KEY"] = pki_->dir() + "/worker-" + worker + ".key";
    } else {
      env["AIRFLOW__EDGE__CONTROLPLANE_TOKEN_FILE"] = token_file(worker);
    }
  }
  return env;
}

absl::Status EdgeStack::PrepareCredentials(const std::string& worker) {
  mkdir(airflow_home(worker).c_str(), 0755);
  if (!pki_.has_value()) return absl::OkStatus();
  if (options_.worker_auth == WorkerAuth::kCertificate) {
    struct stat st {};
    if (stat((pki_->dir() + "/worker-" + worker + ".pem").c_str(), &st) == 0) {
      return absl::OkStatus();
    }
    return pki_->Worker(worker).status();
  }
  struct stat st {};
  if (stat(token_file(worker).c_str(), &st) == 0) return absl::OkStatus();
  // As an operator does it: `edgectl token issue` on the central site, the printed token into
  // the worker's file, mode 0600.
  absl::StatusOr<CommandOutput> issued = ChildProcess::RunToCompletion(
      {options_.edgectl_binary, "token", "issue", "-H", worker, "--sql-alchemy-conn",
       options_.dsn},
      {}, options_.work_dir, absl::Seconds(30));
  if (!issued.ok()) return issued.status();
  if (issued->exit_code != 0) {
    return absl::InternalError("edgectl token issue failed: " + issued->combined());
  }
  std::string token;
  for (absl::string_view line : absl::StrSplit(issued->out, '\n')) {
    if (absl::StartsWith(line, "edgectl_wt_")) token = std::string(line);
  }
  if (token.empty()) return absl::InternalError("no token in: " + issued->out);
  const int fd = open(token_file(worker).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return absl::InternalError("cannot write " + token_file(worker));
  const std::string line = token + "\n";
  const bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  close(fd);
  return written ? absl::OkStatus() : absl::InternalError("cannot write " + token_file(worker));
}

absl::StatusOr<std::unique_ptr<ChildProcess>> EdgeStack::StartWorker(
    const std::string& name, const std::vector<std::string>& extra_args,
    const std::map<std::string, std::string>& extra_env) {
  if (absl::Status s = PrepareCredentials(name); !s.ok()) return s;
  std::vector<std::string> argv = {
      options_.worker_binary.empty() ? options_.edgectl_binary : options_.worker_binary,
      "worker", "-H", name,
      "--controlplane-address=" +
          (worker_address_.empty() ? controlplane_address() : worker_address_)};
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
