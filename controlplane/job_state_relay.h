// File: controlplane/job_state_relay.h
//
// ReportJobState (protocol contract §5-6): the first report of a dispatched job acknowledges it
// (removes it from the DispatchLedger), the reported free slots update the worker's session,
// and the state is relayed to EdgeApi::SetJobState unless its sequence is not above the last one
// applied for that job in this sidecar's memory (then it is acknowledged as a duplicate). A
// sequence is recorded only after Airflow accepted the state, so a report that failed with
// UNAVAILABLE is applied when the worker re-sends it. Blocking: call on the executor.
#ifndef EDGECTL_CONTROLPLANE_JOB_STATE_RELAY_H_
#define EDGECTL_CONTROLPLANE_JOB_STATE_RELAY_H_

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "bridge/edge_api.h"
#include "controlplane/clock.h"
#include "controlplane/dispatch_ledger.h"
#include "controlplane/metrics.h"
#include "controlplane/worker_registry.h"

namespace edgectl::controlplane {

struct JobStateReport {
  std::string worker_name;
  bridge::JobKey key;
  std::string state;
  uint64_t sequence = 0;
  uint64_t dispatch_id = 0;
  int free_concurrency = 0;
};

struct JobStateAck {
  uint64_t applied_sequence = 0;
  bool duplicate = false;
};

class JobStateRelay {
 public:
  JobStateRelay(bridge::EdgeApi& edge_api, WorkerRegistry& registry, DispatchLedger& ledger,
                const Clock& clock, Metrics& metrics)
      : edge_api_(edge_api), registry_(registry), ledger_(ledger), clock_(clock),
        metrics_(metrics) {}

  absl::StatusOr<JobStateAck> Report(const JobStateReport& report);

 private:
  using JobId = std::tuple<std::string, std::string, std::string, int, int, std::string>;
  struct Applied {
    uint64_t sequence = 0;
    absl::Time at;
  };
  static JobId IdOf(const bridge::JobKey& key);
  void ForgetOld() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  bridge::EdgeApi& edge_api_;
  WorkerRegistry& registry_;
  DispatchLedger& ledger_;
  const Clock& clock_;
  Metrics& metrics_;
  absl::Mutex mu_;
  std::map<JobId, Applied> applied_ ABSL_GUARDED_BY(mu_);
  absl::Time last_sweep_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_JOB_STATE_RELAY_H_
