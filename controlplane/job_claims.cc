#include "controlplane/job_claims.h"

#include <spdlog/spdlog.h>

#include "controlplane/job_state_relay.h"

namespace edgectl::controlplane {

absl::StatusOr<ClaimResult> JobClaims::Claim(const std::string& worker_name,
                                             const bridge::JobKey& key, uint64_t dispatch_id) {
  absl::StatusOr<ClaimResult> result = store_.ConfirmClaim(key, worker_name);
  if (!result.ok()) return result.status();  // the worker asks again; the ledger still waits
  ledger_.Acknowledge(worker_name, dispatch_id, key);
  metrics_.ClaimDecided(result->granted);
  if (result->queued_for.has_value()) {  // the first grant: the job has reached its worker
    metrics_.DispatchLatencyObserved(
        DispatchJobId(key.dag_id, key.task_id, key.run_id, key.map_index, key.try_number),
        *result->queued_for);
  }
  if (result->granted) {
    spdlog::debug("claim: job {} confirmed for worker {}", DescribeJob(key), worker_name);
  } else {
    spdlog::warn("claim: job {} refused to worker {}: it is {} now{}", DescribeJob(key),
                 worker_name, result->state.empty() ? "gone" : "'" + result->state + "'",
                 result->worker.empty() ? "" : " (worker " + result->worker + ")");
  }
  return result;
}

absl::StatusOr<ClaimResult> JobClaims::Decline(const std::string& worker_name,
                                               const bridge::JobKey& key, uint64_t dispatch_id) {
  absl::StatusOr<bool> requeued = store_.RequeueJob(key, worker_name);
  if (!requeued.ok()) return requeued.status();  // the ledger still times it out
  ledger_.Acknowledge(worker_name, dispatch_id, key);
  if (*requeued) {
    metrics_.DispatchRequeued();
    spdlog::info("claim: worker {} gave job {} back; queued again", worker_name,
                 DescribeJob(key));
  }
  ClaimResult result;
  result.state = *requeued ? "queued" : "";
  return result;
}

}  // namespace edgectl::controlplane
