// File: bench/bench_stack.h
//
// The real parts the benchmark measures, in one process, all on 127.0.0.1: a throwaway
// PostgreSQL with the edge3 schema, the Airflow API double (real HTTP, counts requests per
// endpoint), and the edgectl sidecar (ControlPlaneServer) calling the double through the real
// bridge::EdgeApiClient. Start() brings everything up or returns the first error; the
// destructor stops it all (PostgreSQL's own watchdog cleans up even after a crash).
#ifndef EDGECTL_BENCH_BENCH_STACK_H_
#define EDGECTL_BENCH_BENCH_STACK_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bridge/edge_api.h"
#include "controlplane/controlplane_server.h"
#include "tests/airflow_double/airflow_api_double.h"
#include "tests/fixtures/postgres_server.h"

namespace edgectl::bench {

struct BenchStackOptions {
  // Interval the sidecar tells its workers to heartbeat at.
  int heartbeat_interval_seconds = 30;
  absl::Duration dispatch_poll_interval = absl::Milliseconds(20);
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
  std::string sidecar_address() const;
  airflow_double::AirflowApiDouble& airflow() { return *airflow_; }
  // A new EdgeApiClient on the double, as an edge3 worker process would hold.
  absl::StatusOr<std::unique_ptr<bridge::EdgeApi>> NewEdgeApiClient() const;

 private:
  absl::Status StartDatabase();

  testing::PostgresServer postgres_;
  std::string dsn_;
  std::unique_ptr<airflow_double::AirflowApiDouble> airflow_;
  std::unique_ptr<controlplane::ControlPlaneServer> sidecar_;
};

}  // namespace edgectl::bench

#endif  // EDGECTL_BENCH_BENCH_STACK_H_
