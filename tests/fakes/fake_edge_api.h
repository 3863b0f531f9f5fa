// File: tests/fakes/fake_edge_api.h
//
// A bridge::EdgeApi fake for control-plane tests that plays Airflow's API server on a real
// edge3 database (the PostgreSQL fixture), with edge3's rules where the sidecar's behaviour
// depends on them:
//   register   version check (400 -> FAILED_PRECONDITION naming both versions), duplicate
//              active name (409 -> ALREADY_EXISTS with edge3's message), insert/update the
//              edge_worker row (queues as Python's str(list)), redefine_state;
//   set_state  404 -> NOT_FOUND for unknown workers, redefine_state, stores the state, then the
//              version check (so a mismatching worker's state is stored, as edge3 does);
//   jobs/fetch edge3's candidate query (queued, concurrency_slots <= free, queue filter,
//              priority_weight DESC, queued_dttm, FOR UPDATE SKIP LOCKED), claims the row as
//              'restarting' for the worker;
//   jobs/state UPDATE of the row's state; logs/push INSERT into edge_logs.
// Any endpoint can be made to fail (FailNext / FailAlways) and every call is counted.
#ifndef EDGECTL_TESTS_FAKES_FAKE_EDGE_API_H_
#define EDGECTL_TESTS_FAKES_FAKE_EDGE_API_H_

#include <atomic>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "bridge/edge_api.h"
#include "controlplane/pg_connection_pool.h"

namespace edgectl::testing {

class FakeEdgeApi final : public bridge::EdgeApi {
 public:
  enum class Endpoint {
    kRegister, kSetState, kUpdateQueues, kFetchJob, kSetJobState, kLogfilePath, kPushLogs,
    kHealth
  };

  // The versions this "Airflow" runs; workers must send the same in sysinfo.
  static constexpr char kAirflowVersion[] = "3.1.0";
  static constexpr char kProviderVersion[] = "5.0.0";

  explicit FakeEdgeApi(std::string dsn) : pool_(std::move(dsn), 8) {}

  // The next `times` calls of the endpoint fail with `status` (before touching the database).
  void FailNext(Endpoint endpoint, absl::Status status, int times = 1);
  void FailAlways(Endpoint endpoint, absl::Status status);
  void ClearFailures();
  int Calls(Endpoint endpoint) const;

  absl::StatusOr<bridge::WorkerRegistrationReturn> RegisterWorker(
      const std::string& worker_name, const bridge::WorkerStateBody& body) override;
  absl::StatusOr<bridge::WorkerSetStateReturn> SetState(
      const std::string& worker_name, const bridge::WorkerStateBody& body) override;
  absl::Status UpdateQueues(const std::string& worker_name,
                            const std::optional<std::vector<std::string>>& new_queues,
                            const std::optional<std::vector<std::string>>& remove_queues) override;
  absl::StatusOr<std::optional<bridge::EdgeJobFetched>> FetchJob(
      const std::string& worker_name, const bridge::FetchRequest& request) override;
  absl::Status SetJobState(const bridge::JobKey& key, const std::string& state) override;
  absl::StatusOr<std::string> LogfilePath(const bridge::JobKey& key) override;
  absl::Status PushLogs(const bridge::JobKey& key, absl::Time log_chunk_time,
                        const std::string& log_chunk_data) override;
  absl::StatusOr<std::map<std::string, std::string>> Health() override;

 private:
  struct Failure {
    absl::Status status;
    int remaining = 0;  // -1 = always
  };
  // Counts the call and returns the injected failure, if any.
  absl::Status Enter(Endpoint endpoint);

  controlplane::PgConnectionPool pool_;
  mutable absl::Mutex mu_;
  std::map<Endpoint, int> calls_ ABSL_GUARDED_BY(mu_);
  std::map<Endpoint, Failure> failures_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::testing

#endif  // EDGECTL_TESTS_FAKES_FAKE_EDGE_API_H_
