// File: tests/airflow_double/airflow_api_double.h
//
// AirflowApiDouble stands in for Airflow's API server wherever a real one cannot run (tests, the
// local demo): an HTTP server (cpp-httplib) on 127.0.0.1 serving edge3's eight worker endpoints
// under /edge_worker/v1/ on the real edge3 tables in PostgreSQL (edge_routes.h), with edge3's
// JWT check (jwt_validator.h; 403 with Airflow's detail) on all but `health`, FastAPI-shaped
// errors, and replies shaped as openapi/v2-edge-generated.yaml declares them. It also serves
// the Task Execution API routes a task calls (execution_routes.h), checking task tokens; GET
// /_double/execution shows what they saw and DELETE /_double/execution forgets it.
//
// For benchmarks and reliability tests it counts requests per endpoint (every request that
// reached it, including refused and fault-injected ones) and has a fault switch: a fraction of
// requests answered 503 before any processing, and a delay added to every request.
// Another process (a benchmark, an end-to-end test) reaches the same through
// GET /_double/counts ({"register": n, ..., "total": n}), DELETE /_double/counts (reset) and
// PUT /_double/faults ({"fail_fraction": 0.2, "delay_ms": 50}); these are neither counted nor
// faulted, and are no part of Airflow's API.
// Start() binds (port 0 = a free port) and serves on background threads; Stop() is idempotent.
#ifndef EDGECTL_TESTS_AIRFLOW_DOUBLE_AIRFLOW_API_DOUBLE_H_
#define EDGECTL_TESTS_AIRFLOW_DOUBLE_AIRFLOW_API_DOUBLE_H_

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tests/airflow_double/jwks_validator.h"

namespace httplib {
class Server;
}

namespace edgectl::airflow_double {

class PgPool;
class EdgeRoutes;
struct EdgeRoutesOptions;
class ExecutionRoutes;

enum class Endpoint {
  kRegister,       // POST worker/{name}
  kSetState,       // PATCH worker/{name}
  kUpdateQueues,   // PATCH worker/queues/{name}
  kFetch,          // POST jobs/fetch/{name}
  kJobState,       // PATCH jobs/state/...
  kLogfilePath,    // GET logs/logfile_path/...
  kPushLogs,       // POST logs/push/...
  kHealth,         // GET health
  kOther,          // anything else (answered 404/405)
};
inline constexpr int kEndpointCount = 9;

struct AirflowApiDoubleOptions {
  std::string dsn;  // libpq string or SQLAlchemy URL of a database holding the edge3 schema
  std::string jwt_secret;
  int jwt_leeway = 10;                    // [api_auth] jwt_leeway
  std::optional<std::string> jwt_issuer;  // [api_auth] jwt_issuer
  // edge3's OIDC mode ([edge] trusted_jwks_url): worker tokens are checked against this JWKS
  // instead of jwt_secret (which still signs and checks the Execution API's task tokens).
  std::optional<JwksValidatorOptions> jwks;
  std::string airflow_version = "3.1.0";
  std::string edge_provider_version = "5.0.0";
  std::optional<std::string> base_log_folder;  // also append pushed logs there
  std::string claimed_job_state = "restarting";  // see edge_routes.h
  // "" = the double's historic behaviour (edge3 5.0 wire, any schema); otherwise one of
  // Edge3VersionModes() (edge3_versions.h): its REST behaviours, and the database must be
  // stamped with its schema revision. Overrides claimed_job_state.
  std::string edge3_version;
  // Overrides the version mode's comment rule ("if-different" or "always"); "" = the mode's.
  std::string comment_merge;
  std::string host = "127.0.0.1";
  int port = 0;
  int threads = 64;

  absl::Status Validate() const;
};

class AirflowApiDouble {
 public:
  explicit AirflowApiDouble(AirflowApiDoubleOptions options);
  ~AirflowApiDouble();
  AirflowApiDouble(const AirflowApiDouble&) = delete;
  AirflowApiDouble& operator=(const AirflowApiDouble&) = delete;

  // Returns the bound port.
  absl::StatusOr<int> Start();
  void Stop();

  int port() const { return port_; }
  // "http://127.0.0.1:PORT/edge_worker/v1/" (a value for [edge] api_url).
  std::string api_url() const;

  int64_t RequestCount(Endpoint endpoint) const;
  int64_t TotalRequests() const;
  void ResetCounters();

  // Fault switch: fraction in [0, 1] of requests answered 503; delay added before answering.
  void SetFaults(double fail_fraction, absl::Duration delay);

 private:
  // The routes' options: the version mode's behaviours, checked against the database's schema.
  absl::StatusOr<EdgeRoutesOptions> RoutesOptions(const std::string& libpq_dsn) const;
  void InstallRoutes();
  void InstallControlRoutes();
  bool InjectFault();

  const AirflowApiDoubleOptions options_;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<JwksValidator> jwks_;
  std::unique_ptr<EdgeRoutes> routes_;
  std::unique_ptr<ExecutionRoutes> execution_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::array<std::atomic<int64_t>, kEndpointCount> counts_{};
  absl::Mutex fault_mu_;
  double fail_fraction_ ABSL_GUARDED_BY(fault_mu_) = 0;
  absl::Duration delay_ ABSL_GUARDED_BY(fault_mu_);
  uint64_t fault_state_ ABSL_GUARDED_BY(fault_mu_) = 0x9e3779b97f4a7c15ULL;
};

}  // namespace edgectl::airflow_double

#endif  // EDGECTL_TESTS_AIRFLOW_DOUBLE_AIRFLOW_API_DOUBLE_H_
