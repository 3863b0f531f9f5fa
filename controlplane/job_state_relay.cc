#include "controlplane/job_state_relay.h"

#include "absl/strings/str_cat.h"
#include "common/edge_states.h"

namespace edgectl::controlplane {
namespace {

// Sequences are remembered this long: far longer than a worker's reconnect backoff, bounded so
// memory does not grow with every job ever run.
constexpr absl::Duration kRememberFor = absl::Hours(6);

}  // namespace

JobStateRelay::JobId JobStateRelay::IdOf(const bridge::JobKey& k) {
  return {k.dag_id, k.task_id, k.run_id, k.try_number, k.map_index, k.task_instance_id};
}

absl::StatusOr<JobStateAck> JobStateRelay::Report(const JobStateReport& report) {
  if (report.state != states::kJobRunning && report.state != states::kJobSuccess &&
      report.state != states::kJobFailed) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job state \"", report.state, "\" cannot be reported by a worker; send \"running\", ",
        "\"success\" or \"failed\""));
  }
  ledger_.Acknowledge(report.worker_name, report.dispatch_id, report.key);
  registry_.UpdateFreeConcurrency(report.worker_name, report.free_concurrency);
  const JobId id = IdOf(report.key);
  {
    absl::MutexLock lock(&mu_);
    auto it = applied_.find(id);
    if (it != applied_.end() && report.sequence <= it->second.sequence) {
      metrics_.JobStateDuplicate();
      return JobStateAck{it->second.sequence, true};
    }
  }
  if (absl::Status s = edge_api_.SetJobState(report.key, report.state); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  Applied& applied = applied_[id];
  applied.sequence = std::max(applied.sequence, report.sequence);
  applied.at = clock_.Now();
  ForgetOld();
  return JobStateAck{applied.sequence, false};
}

void JobStateRelay::ForgetOld() {
  const absl::Time now = clock_.Now();
  if (now - last_sweep_ < absl::Minutes(10)) return;
  last_sweep_ = now;
  for (auto it = applied_.begin(); it != applied_.end();) {
    it = now - it->second.at > kRememberFor ? applied_.erase(it) : std::next(it);
  }
}

}  // namespace edgectl::controlplane
