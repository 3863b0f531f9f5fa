// File: controlplane/observability/readiness.h
//
// The sidecar's /readyz: ready when both of its dependencies answer, PostgreSQL (`SELECT 1`)
// and Airflow's API server (GET /edge_worker/v1/health). Checks run on a thread of the probe's
// own, at most one round at a time, and a round's result is reused for `ttl`, so a probe every
// second from several load balancers costs one round per ttl. Check() never waits more than
// `deadline`: a dependency that has not answered by then is reported as not answering (a hung
// API server must not hang the probe, whose caller would time out without knowing why).
// Thread-safe.
#ifndef EDGECTL_CONTROLPLANE_OBSERVABILITY_READINESS_H_
#define EDGECTL_CONTROLPLANE_OBSERVABILITY_READINESS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/clock.h"

namespace edgectl::controlplane {

struct ReadinessReport {
  absl::Status database;
  absl::Status airflow_api;
  bool ready() const { return database.ok() && airflow_api.ok(); }
  // {"status": "ready"|"not ready", "checks": {"database": {...}, "airflow_api": {...}}}
  std::string Json() const;
};

class ReadinessProbe {
 public:
  using Dependency = std::function<absl::Status()>;

  ReadinessProbe(Dependency database, Dependency airflow_api, const Clock& clock,
                 absl::Duration ttl = absl::Seconds(1), absl::Duration deadline = absl::Seconds(3));
  ~ReadinessProbe();

  ReadinessReport Check();

 private:
  void Loop();

  const Dependency database_;
  const Dependency airflow_api_;
  const Clock& clock_;
  const absl::Duration ttl_;
  const absl::Duration deadline_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t requested_ ABSL_GUARDED_BY(mu_) = 0;  // rounds asked for
  uint64_t finished_ ABSL_GUARDED_BY(mu_) = 0;   // rounds done
  ReadinessReport last_ ABSL_GUARDED_BY(mu_);
  // The database result of the round in progress, for an answer given at the deadline.
  absl::Status partial_database_ ABSL_GUARDED_BY(mu_);
  uint64_t partial_round_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::thread thread_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_OBSERVABILITY_READINESS_H_
