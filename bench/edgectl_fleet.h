// File: bench/edgectl_fleet.h
//
// N simulated edgectl workers inside the benchmark process, speaking the real gRPC protocol to
// the sidecar with the generated stub (over TLS connections shared by `workers_per_connection`
// workers, or one each as separate processes hold; every call carries its worker's token,
// TokenOf(i)):
// Register, one Connect stream each (client callback API, so one process holds a thousand
// streams), and on every pushed job an immediate ClaimJob followed by ReportJobState(success),
// as edgectl worker does, both asynchronous so a slow answer never delays reading the stream.
// Worker i serves only queue QueueOf(i), so a job can be addressed to one worker. Times are
// taken when the event is read and when the granted claim returns; RunHeartbeats() drives the
// idle Heartbeat loop. Registering and connecting follow the sidecar's admission pacing (retry
// after a refusal, at most a few hundred connects a second), as a fleet coming up does.
// Destroying the fleet cancels every stream and waits for gRPC to finish with it.
#ifndef EDGECTL_BENCH_EDGECTL_FLEET_H_
#define EDGECTL_BENCH_EDGECTL_FLEET_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/edge_worker.grpc.pb.h"

namespace edgectl::bench {

struct JobTiming {
  absl::Time delivered;
  absl::Time running_acknowledged;  // InfinitePast until the ack returned OK
  bool acknowledgement_failed = false;
};

struct HeartbeatTally {
  int64_t sent = 0;
  int64_t failed = 0;
};

class WorkerStream;

class EdgectlFleet {
 public:
  // `ca_pem`: the CA of the sidecar's certificate.
  // `workers_per_connection`: workers sharing one HTTP/2 connection (1: one each, as real
  // workers). The sidecar takes at most 100 concurrent calls per connection, and a worker's
  // stream is one of them, so more than ~90 would leave streams waiting for a slot for ever.
  EdgectlFleet(const std::string& sidecar_address, const std::string& ca_pem, int workers,
               int concurrency, std::string airflow_version, std::string edge_provider_version,
               int workers_per_connection = kDefaultWorkersPerConnection);
  static constexpr int kDefaultWorkersPerConnection = 50;
  static constexpr int kMaxWorkersPerConnection = 90;
  int connections() const { return static_cast<int>(stubs_.size()); }
  ~EdgectlFleet();
  EdgectlFleet(const EdgectlFleet&) = delete;
  EdgectlFleet& operator=(const EdgectlFleet&) = delete;

  static std::string QueueOf(int worker);
  static std::string NameOf(int worker);
  static std::string TokenOf(int worker);
  // (worker name, token) of every worker, for BenchStack::IssueTokens.
  std::vector<std::pair<std::string, std::string>> Tokens() const;

  // Registers every worker (a few at a time); fails on the first refused registration.
  absl::Status RegisterAll();
  // Opens every Connect stream and waits (bounded) for each welcome; streams the sidecar asks
  // to come back later are opened again, in rounds, paced as the first.
  absl::Status ConnectAll(absl::Duration timeout);
  // Cancels every stream and closes every connection (the workers leave); the fleet can only
  // be destroyed afterwards.
  void DisconnectAll();
  // The interval the sidecar told the workers at registration.
  int heartbeat_interval_seconds() const { return heartbeat_interval_seconds_; }

  // Sends each worker's Heartbeat every `interval`, each worker at a random phase, for
  // `window`; returns when the window is over (calls still in flight are awaited, bounded).
  HeartbeatTally RunHeartbeats(absl::Duration interval, absl::Duration window, std::mt19937& rng);

  // Timings of the jobs seen so far, by task_id.
  std::map<std::string, JobTiming> Timings() const;
  // Waits until `n` jobs have their claim decided (granted, or failed).
  bool WaitForAcknowledgements(size_t n, absl::Duration timeout) const;
  // Waits until `n` ReportJobState(success) calls have returned (OK or not) since the fleet
  // started.
  void WaitForSuccessReports(size_t n, absl::Duration timeout) const;
  size_t SuccessReports() const;       // returned
  int64_t SuccessReportsOk() const;    // returned OK
  absl::Time LastSuccessReport() const;  // when the latest returned

 private:
  friend class WorkerStream;
  v1::EdgeWorkerService::Stub& StubFor(int worker) const;
  // A context for one call of `worker`: its token, a deadline.
  void Prepare(int worker, grpc::ClientContext& context) const;
  v1::WorkerStateBody IdleBody(int worker) const;
  void OnJob(int worker, const v1::Job& job);
  void ReportSuccess(int worker, const v1::Job& job);
  void RecordAcknowledgement(const std::string& task_id, bool ok);

  const int workers_;
  const int concurrency_;
  const std::string airflow_version_;
  const std::string edge_provider_version_;
  std::vector<std::unique_ptr<v1::EdgeWorkerService::Stub>> stubs_;
  std::vector<std::shared_ptr<grpc::CallCredentials>> tokens_;  // by worker
  std::vector<std::unique_ptr<WorkerStream>> streams_;
  std::unique_ptr<std::atomic<int>[]> active_jobs_;
  std::atomic<uint64_t> next_sequence_{1};
  std::atomic<int64_t> calls_in_flight_{0};
  int heartbeat_interval_seconds_ = 0;

  mutable absl::Mutex mu_;
  std::map<std::string, JobTiming> timings_ ABSL_GUARDED_BY(mu_);
  size_t acknowledged_ ABSL_GUARDED_BY(mu_) = 0;
  size_t success_reports_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t success_reports_ok_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_success_report_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::bench

#endif  // EDGECTL_BENCH_EDGECTL_FLEET_H_
