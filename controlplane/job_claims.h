// File: controlplane/job_claims.h
//
// ClaimJob (docs/ARCHITECTURE.md, "Exactly once"): a worker asks before it starts a pushed job.
// PostgreSQL decides with one conditional UPDATE (SidecarStore::ConfirmClaim): the job's row turns
// from 'restarting' (claimed for this worker by jobs/fetch, unconfirmed) into 'running' only if no
// requeue took it back first. Whatever the outcome, this sidecar's DispatchLedger entry for the
// dispatch is settled (nothing left to time out). Blocking: call on the executor.
#ifndef EDGECTL_CONTROLPLANE_JOB_CLAIMS_H_
#define EDGECTL_CONTROLPLANE_JOB_CLAIMS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "bridge/edge_api.h"
#include "controlplane/dispatch_ledger.h"
#include "controlplane/metrics.h"
#include "controlplane/sidecar_store.h"

namespace edgectl::controlplane {

class JobClaims {
 public:
  JobClaims(SidecarStore& store, DispatchLedger& ledger, Metrics& metrics)
      : store_(store), ledger_(ledger), metrics_(metrics) {}

  absl::StatusOr<ClaimResult> Claim(const std::string& worker_name, const bridge::JobKey& key,
                                    uint64_t dispatch_id);
  // The worker gives the pushed job back (it cannot run it now): the requeue, at once. Never
  // granted; the result names the row's state afterwards.
  absl::StatusOr<ClaimResult> Decline(const std::string& worker_name, const bridge::JobKey& key,
                                      uint64_t dispatch_id);

 private:
  SidecarStore& store_;
  DispatchLedger& ledger_;
  Metrics& metrics_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_JOB_CLAIMS_H_
