// File: bench/edge3_fleet.h
//
// M simulated edge3 workers: what edge3's worker loop does against Airflow's REST API, through
// the real bridge::EdgeApiClient (one client, i.e. one connection pool, per worker, as separate
// worker processes would have): POST jobs/fetch every job_poll_interval and PATCH worker (set
// state) every heartbeat_interval, each worker at its own random phase. Worker i serves only
// QueueOf(i). As edge3's loop: after a fetch that returned a job the worker fetches again at
// once, after an empty one it sleeps job_poll_interval; heartbeats keep their own schedule.
// Start() launches one thread per worker; Stop() (or the destructor) ends them.
#ifndef EDGECTL_BENCH_EDGE3_FLEET_H_
#define EDGECTL_BENCH_EDGE3_FLEET_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "bridge/edge_api.h"

namespace edgectl::bench {

struct Edge3LoopOptions {
  absl::Duration job_poll_interval = absl::Seconds(5);  // [edge] job_poll_interval
  absl::Duration heartbeat_interval = absl::Seconds(30);  // [edge] heartbeat_interval
};

struct Edge3CallTally {
  int64_t fetches = 0;
  int64_t heartbeats = 0;
  int64_t failed = 0;
};

class Edge3Fleet {
 public:
  using ClientFactory = std::function<absl::StatusOr<std::unique_ptr<bridge::EdgeApi>>()>;

  Edge3Fleet(int workers, std::string airflow_version, std::string edge_provider_version);
  ~Edge3Fleet();
  Edge3Fleet(const Edge3Fleet&) = delete;
  Edge3Fleet& operator=(const Edge3Fleet&) = delete;

  static std::string QueueOf(int worker);
  static std::string NameOf(int worker);

  // Creates the clients and registers every worker (POST worker/{name}).
  absl::Status RegisterAll(const ClientFactory& new_client);
  void Start(const Edge3LoopOptions& options, uint32_t seed);
  // Ends the loops; returns the calls they made.
  Edge3CallTally Stop();

  // When each fetched job (by task_id) came back from jobs/fetch.
  std::map<std::string, absl::Time> Fetched() const;

 private:
  void Loop(int worker, const Edge3LoopOptions& options, absl::Duration fetch_phase,
            absl::Duration heartbeat_phase);
  bridge::WorkerStateBody IdleBody(int worker) const;

  const int workers_;
  const std::string airflow_version_;
  const std::string edge_provider_version_;
  std::vector<std::unique_ptr<bridge::EdgeApi>> clients_;
  std::vector<std::thread> threads_;
  std::unique_ptr<absl::Notification> stop_;
  std::atomic<int64_t> fetches_{0}, heartbeats_{0}, failed_{0};

  mutable absl::Mutex mu_;
  std::map<std::string, absl::Time> fetched_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::bench

#endif  // EDGECTL_BENCH_EDGE3_FLEET_H_
