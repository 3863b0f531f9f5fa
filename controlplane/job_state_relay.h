// File: controlplane/job_state_relay.h
//
// ReportJobState (docs/ARCHITECTURE.md, "Exactly once" and "Reconcile"). A report from the
// authenticated worker is applied only to a job that worker holds, and only where it moves the
// job forward; a job that Airflow meanwhile failed, reset, re-queued or deleted keeps Airflow's
// decision and the report is acknowledged as superseded (the worker then forgets it):
//
//   edge_job row                         | "running" report           | "success"/"failed"
//   -------------------------------------+----------------------------+-----------------------
//   none (purged, revoked)               | superseded                 | superseded
//   another worker's                     | PERMISSION_DENIED          | PERMISSION_DENIED
//   no worker (re-queued), any state     | superseded                 | superseded
//   restarting, this worker (unconfirmed)| claim confirmed (PG)       | relayed to Airflow
//   running, this worker                 | duplicate                  | relayed to Airflow
//   the reported final state already     | superseded                 | duplicate
//   any other state (Airflow's decision) | superseded                 | superseded
//
// "Relayed" is EdgeApi::SetJobState (edge3's PATCH jobs/state/...). Reports also acknowledge the
// job's DispatchLedger entry and update the worker's free slots. A report whose sequence is not
// above the last one applied for that job in this sidecar's memory is a duplicate without any
// query. Blocking: call on the executor.
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
#include "controlplane/sidecar_store.h"
#include "controlplane/worker_registry.h"

namespace edgectl::controlplane {

struct JobStateReport {
  std::string worker_name;  // authenticated
  bridge::JobKey key;
  std::string state;
  uint64_t sequence = 0;
  uint64_t dispatch_id = 0;
  int free_concurrency = 0;
};

struct JobStateAck {
  uint64_t applied_sequence = 0;
  bool duplicate = false;
  bool superseded = false;
  std::string current_state;
};

class JobStateRelay {
 public:
  JobStateRelay(bridge::EdgeApi& edge_api, SidecarStore& store, WorkerRegistry& registry,
                DispatchLedger& ledger, const Clock& clock, Metrics& metrics)
      : edge_api_(edge_api), store_(store), registry_(registry), ledger_(ledger), clock_(clock),
        metrics_(metrics) {}

  absl::StatusOr<JobStateAck> Report(const JobStateReport& report);

 private:
  // The reporting worker and the job: sequences are per worker process, and keying by worker
  // means another worker's report is never answered from this cache (it must pass the
  // ownership check).
  using JobId =
      std::tuple<std::string, std::string, std::string, std::string, int, int, std::string>;
  struct Applied {
    uint64_t sequence = 0;
    absl::Time at;
  };
  static JobId IdOf(const std::string& worker, const bridge::JobKey& key);
  absl::StatusOr<JobStateAck> Apply(const JobStateReport& report);
  void Remember(const JobId& id, uint64_t sequence);
  void ForgetOld() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  bridge::EdgeApi& edge_api_;
  SidecarStore& store_;
  WorkerRegistry& registry_;
  DispatchLedger& ledger_;
  const Clock& clock_;
  Metrics& metrics_;
  absl::Mutex mu_;
  std::map<JobId, Applied> applied_ ABSL_GUARDED_BY(mu_);
  absl::Time last_sweep_ ABSL_GUARDED_BY(mu_);
};

// "dag/task/run/try/map" for logs and messages.
std::string DescribeJob(const bridge::JobKey& key);

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_JOB_STATE_RELAY_H_
