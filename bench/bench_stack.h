// File: bench/bench_stack.h
//
// The real parts the benchmark measures, in one process, all on 127.0.0.1: a throwaway
// PostgreSQL with the edge3 schema, the Airflow API double (real HTTP, counts requests per
// endpoint), and the edgectl sidecar (ControlPlaneServer) calling the double through the real
// bridge::EdgeApiClient. The sidecar is configured as a deployment is (secure by default): TLS
// with a throwaway CA made by scripts/make-certs, workers authenticated by per-worker tokens.
// Start() brings everything up or returns the first error; the destructor stops it all
// (PostgreSQL's own watchdog cleans up even after a crash).
#ifndef EDGECTL_BENCH_BENCH_STACK_H_
#define EDGECTL_BENCH_BENCH_STACK_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bridge/edge_api.h"
#include "controlplane/controlplane_server.h"
#include "tests/airflow_double/airflow_api_double.h"
#include "bench/sidecar_process.h"
#include "tests/fixtures/postgres_server.h"

namespace edgectl::bench {

struct BenchStackOptions {
  // Interval the sidecar tells its workers to heartbeat at.
  int heartbeat_interval_seconds = 30;
  absl::Duration dispatch_poll_interval = absl::Milliseconds(20);
  std::string make_certs_script = "scripts/make-certs";
  std::string work_dir;  // for the certificates; required
  // Install the optional edge_job NOTIFY trigger (`edgectl db init --with-notify`).
  bool notify_trigger = true;
  // When set, the sidecar is this `edgectl` binary run as `edgectl controlplane` in a process
  // of its own (its RSS and CPU are then its own, see sidecar_usage()); else it runs in this
  // process (ControlPlaneServer).
  std::string sidecar_binary;
  // The double serves a keep-alive connection on one thread until it goes idle (cpp-httplib),
  // so it needs a thread per polling edge3 worker on top of the sidecar's connections.
  int airflow_threads = 64;
};

class BenchStack {
 public:
  static constexpr char kJwtSecret[] = "edge-bench-secret";

  BenchStack() = default;
  ~BenchStack();
  BenchStack(const BenchStack&) = delete;
  BenchStack& operator=(const BenchStack&) = delete;

  absl::Status Start(const BenchStackOptions& options);

  const std::string& dsn() const { return dsn_; }
  // The sidecar's metrics/HTTP port, which also serves the fleet page and its /api/.
  int http_port() const;
  std::string sidecar_address() const;
  // PEM of the CA that signed the sidecar's certificate (what workers trust).
  const std::string& ca_pem() const { return ca_pem_; }
  // Stores the tokens' hashes for their workers, as `edgectl token issue` does (one transaction).
  absl::Status IssueTokens(const std::vector<std::pair<std::string, std::string>>& worker_tokens);
  airflow_double::AirflowApiDouble& airflow() { return *airflow_; }
  // Statements PostgreSQL executed in the benchmark's database during `window` (its
  // pg_stat_statements calls; the measurement's own queries excluded): what the sidecar costs
  // the database while nothing happens.
  absl::StatusOr<int64_t> CountStatements(absl::Duration window);
  // The same count over a window the caller spans: Reset, run, Read.
  absl::Status ResetStatements();
  absl::StatusOr<int64_t> ReadStatements();
  // The sidecar process's memory and CPU; FAILED_PRECONDITION when it runs in this process.
  absl::StatusOr<ProcessUsage> sidecar_usage() const;
  // Stops the sidecar process (the edge3 baseline then has the database to itself).
  void StopSidecar() {
    if (sidecar_process_) sidecar_process_->Stop();
  }
  bool sidecar_in_own_process() const { return sidecar_process_ != nullptr; }
  // A new EdgeApiClient on the double, as an edge3 worker process would hold.
  absl::StatusOr<std::unique_ptr<bridge::EdgeApi>> NewEdgeApiClient() const;

 private:
  absl::Status StartDatabase(bool notify_trigger);
  absl::Status StartSidecarProcess(const BenchStackOptions& options, const std::string& cert,
                                   const std::string& key);

  testing::PostgresServer postgres_;
  std::string dsn_;
  std::string ca_pem_;
  std::unique_ptr<airflow_double::AirflowApiDouble> airflow_;
  std::unique_ptr<controlplane::ControlPlaneServer> sidecar_;
  std::unique_ptr<SidecarProcess> sidecar_process_;
  int grpc_port_ = 0;
  int http_port_ = 0;
};

}  // namespace edgectl::bench

#endif  // EDGECTL_BENCH_BENCH_STACK_H_
