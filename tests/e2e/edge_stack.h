// File: tests/e2e/edge_stack.h
//
// The whole system as real processes on this machine, for end-to-end tests and the demo:
// the Airflow API double (tests/airflow_double, on the edge3 tables of the given database), the
// control-plane sidecar (`edgectl controlplane`) and any number of workers (`edgectl worker`)
// running jobs through the Task SDK stand-in (tests/task_sdk_standin on PYTHONPATH).
// Every process is killed (process group, SIGKILL) when the stack is destroyed.
#ifndef EDGECTL_TESTS_E2E_EDGE_STACK_H_
#define EDGECTL_TESTS_E2E_EDGE_STACK_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/e2e/child_process.h"

namespace edgectl::e2e {

struct EdgeStackOptions {
  std::string dsn;       // libpq DSN of a database holding the edge3 schema
  std::string work_dir;  // existing directory for logs, AIRFLOW_HOMEs, process output
  std::string jwt_secret = "edgectl-e2e-secret-0123456789abcdef";
  std::string airflow_version = "3.1.0";
  std::string edge_provider_version = "5.0.0";
  int heartbeat_interval_sec = 30;
  // Serve the sidecar's gRPC over TLS with a fresh self-signed certificate for 127.0.0.1
  // (made with the openssl command); workers then verify it ([edge] controlplane_tls_ca).
  bool tls = false;
  // Paths of the binaries; default to the Bazel runfiles of a test.
  std::string edgectl_binary;
  std::string double_binary;
  std::string standin_dir;
};

class EdgeStack {
 public:
  static absl::StatusOr<std::unique_ptr<EdgeStack>> Start(const EdgeStackOptions& options);

  // Starts `edgectl worker -H name --controlplane-address ... <extra_args>` with its own
  // AIRFLOW_HOME (work_dir/home-<name>); waits until it has registered (edge_worker row).
  absl::StatusOr<std::unique_ptr<ChildProcess>> StartWorker(
      const std::string& name, const std::vector<std::string>& extra_args = {},
      const std::map<std::string, std::string>& extra_env = {});

  // Replaces the Airflow API double by one claiming other versions, on the same port.
  absl::Status RestartAirflowDouble(const std::string& airflow_version,
                                    const std::string& edge_provider_version);

  // Kills the sidecar (SIGKILL) and starts a new one on the same port.
  absl::Status KillControlPlane();
  absl::Status StartControlPlane();

  const std::string& dsn() const { return options_.dsn; }
  std::string base_log_folder() const { return options_.work_dir + "/logs"; }
  std::string airflow_home(const std::string& worker) const {
    return options_.work_dir + "/home-" + worker;
  }
  std::string controlplane_address() const;
  std::string api_url() const;
  ChildProcess* controlplane() { return controlplane_.get(); }
  ChildProcess* airflow_double() { return double_.get(); }
  // Environment a worker or local command (stop/status/maintenance) of `worker` runs with.
  std::map<std::string, std::string> WorkerEnv(const std::string& worker) const;
  const EdgeStackOptions& options() const { return options_; }
  // The sidecar's certificate (PEM path) when options.tls is set, else "".
  const std::string& tls_cert() const { return tls_cert_; }

 private:
  explicit EdgeStack(EdgeStackOptions options) : options_(std::move(options)) {}
  absl::Status StartAirflowDouble(const std::string& airflow_version,
                                  const std::string& edge_provider_version);
  EdgeStackOptions options_;
  std::string tls_cert_;
  std::string tls_key_;
  int double_port_ = 0;
  int controlplane_port_ = 0;
  std::unique_ptr<ChildProcess> double_;
  std::unique_ptr<ChildProcess> controlplane_;
};

// Reads one value (first column of the first row) or "" when there is no row.
std::string QueryValue(const std::string& dsn, const std::string& sql);

}  // namespace edgectl::e2e

#endif  // EDGECTL_TESTS_E2E_EDGE_STACK_H_
