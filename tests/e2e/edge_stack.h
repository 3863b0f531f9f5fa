// File: tests/e2e/edge_stack.h
//
// The whole system as real processes on this machine, for end-to-end tests and the demo:
// the Airflow API double (tests/airflow_double, on the edge3 tables of the given database), the
// control-plane sidecar (`edgectl controlplane`) and any number of workers (`edgectl worker`)
// running jobs through the Task SDK stand-in (tests/task_sdk_standin on PYTHONPATH).
// Every process is killed (process group, SIGKILL) when the stack is destroyed.
// Security as in production: the sidecar serves TLS with a certificate of a throwaway CA
// (scripts/make-certs), accepts client certificates of that CA and per-worker tokens; each
// worker gets a certificate naming it (or a token issued with `edgectl token issue`).
#ifndef EDGECTL_TESTS_E2E_EDGE_STACK_H_
#define EDGECTL_TESTS_E2E_EDGE_STACK_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/e2e/child_process.h"
#include "tests/fixtures/test_pki.h"

namespace edgectl::e2e {

enum class WorkerAuth {
  kCertificate,  // [edge] controlplane_tls_cert / _key: a client certificate naming the worker
  kToken,        // [edge] controlplane_token_file: a token from `edgectl token issue`
};

struct EdgeStackOptions {
  std::string dsn;       // libpq DSN of a database holding the edge3 schema
  std::string work_dir;  // existing directory for logs, AIRFLOW_HOMEs, process output
  std::string jwt_secret = "edgectl-e2e-secret-0123456789abcdef";
  std::string airflow_version = "3.1.0";
  std::string edge_provider_version = "5.0.0";
  int heartbeat_interval_sec = 30;
  // The Airflow double's --edge3_version and --comment_merge (tests/airflow_double/
  // edge3_versions.h); "" = its defaults. edge_provider_version should match the version.
  std::string edge3_version;
  std::string comment_merge;
  // How workers prove who they are (both are accepted by the sidecar).
  WorkerAuth worker_auth = WorkerAuth::kCertificate;
  // The sidecar started with --insecure-allow-unauthenticated over plaintext instead (only for
  // tests of that mode).
  bool insecure = false;
  // Paths of the binaries and scripts; default to the Bazel runfiles of a test.
  std::string edgectl_binary;
  // What StartWorker runs (`<worker_binary> worker ...`); default edgectl_binary. The
  // worker-only binary (//worker:edgectl_worker) serves too.
  std::string worker_binary;
  std::string double_binary;
  std::string standin_dir;
  std::string make_certs_script;
  // Extra flags of the Airflow API double (e.g. --trusted_jwks_url for edge3's OIDC mode).
  std::vector<std::string> double_args;
  // Extra environment of the sidecar process (e.g. AIRFLOW__EDGE__CONTROLPLANE_ACK_TIMEOUT_SEC).
  std::map<std::string, std::string> controlplane_env;
  // The sidecar's open-file limit, soft and hard (prlimit --nofile); 0 = this process's.
  int controlplane_open_file_limit = 0;
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
  int controlplane_port() const { return controlplane_port_; }
  // Where workers started from now on connect (a TcpRelay in front of the sidecar, say);
  // default the sidecar itself.
  void set_worker_address(std::string address) { worker_address_ = std::move(address); }
  // What workers started from now on run (EdgeStackOptions::worker_binary).
  void set_worker_binary(std::string path) { options_.worker_binary = std::move(path); }
  // The Airflow double answers this fraction of edge API calls with 503 (0 = none).
  absl::Status SetAirflowFaults(double fail_fraction);
  std::string api_url() const;
  ChildProcess* controlplane() { return controlplane_.get(); }
  ChildProcess* airflow_double() { return double_.get(); }
  // Makes `worker`'s credentials (certificate or token file) unless made already; StartWorker
  // calls it.
  absl::Status PrepareCredentials(const std::string& worker);
  // Environment a worker or local command (stop/status/maintenance) of `worker` runs with,
  // including its credentials' paths ([edge] controlplane_tls_*, controlplane_token_file).
  std::map<std::string, std::string> WorkerEnv(const std::string& worker) const;
  const EdgeStackOptions& options() const { return options_; }
  // The CA of the sidecar's certificate and of the workers' client certificates (unset when
  // insecure).
  const std::optional<testing::TestPki>& pki() const { return pki_; }
  std::string token_file(const std::string& worker) const {
    return airflow_home(worker) + "/controlplane.token";
  }

 private:
  explicit EdgeStack(EdgeStackOptions options) : options_(std::move(options)) {}
  absl::Status StartAirflowDouble(const std::string& airflow_version,
                                  const std::string& edge_provider_version);
  EdgeStackOptions options_;
  std::optional<testing::TestPki> pki_;
  std::string worker_address_;
  int double_port_ = 0;
  int controlplane_port_ = 0;
  std::unique_ptr<ChildProcess> double_;
  std::unique_ptr<ChildProcess> controlplane_;
};

// Reads one value (first column of the first row) or "" when there is no row.
std::string QueryValue(const std::string& dsn, const std::string& sql);

}  // namespace edgectl::e2e

#endif  // EDGECTL_TESTS_E2E_EDGE_STACK_H_
