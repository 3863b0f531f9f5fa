#include "controlplane/job_state_relay.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "common/edge_states.h"

namespace edgectl::controlplane {
namespace {

// Sequences are remembered this long: far longer than a worker's reconnect backoff, bounded so
// memory does not grow with every job ever run.
constexpr absl::Duration kRememberFor = absl::Hours(6);

bool IsFinal(const std::string& state) {
  return state == states::kJobSuccess || state == states::kJobFailed;
}

}  // namespace

std::string DescribeJob(const bridge::JobKey& k) {
  return absl::StrCat(k.dag_id, "/", k.task_id, "/", k.run_id, "/", k.try_number, "/",
                      k.map_index);
}

JobStateRelay::JobId JobStateRelay::IdOf(const std::string& worker, const bridge::JobKey& k) {
  return {worker, k.dag_id, k.task_id, k.run_id, k.try_number, k.map_index, k.task_instance_id};
}

absl::StatusOr<JobStateAck> JobStateRelay::Report(const JobStateReport& report) {
  if (report.state != states::kJobRunning && !IsFinal(report.state)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job state \"", report.state.substr(0, 20), "\" cannot be reported by a worker; send ",
        "\"running\", \"success\" or \"failed\""));
  }
  ledger_.Acknowledge(report.worker_name, report.dispatch_id, report.key);
  const JobId id = IdOf(report.worker_name, report.key);
  {
    absl::MutexLock lock(&mu_);
    auto it = applied_.find(id);
    if (it != applied_.end() && report.sequence <= it->second.sequence) {
      metrics_.JobStateDuplicate();
      registry_.UpdateFreeConcurrency(report.worker_name, report.free_concurrency);
      return JobStateAck{it->second.sequence, true, false, ""};
    }
  }
  absl::StatusOr<JobStateAck> ack = Apply(report);
  if (ack.ok()) {
    Remember(id, report.sequence);
    // Only now: the slots the report frees were still the job's in Airflow's view until the
    // state reached it, so no new job is pushed into them before.
    registry_.UpdateFreeConcurrency(report.worker_name, report.free_concurrency);
  }
  return ack;
}

absl::StatusOr<JobStateAck> JobStateRelay::Apply(const JobStateReport& report) {
  JobStateAck ack;
  ack.applied_sequence = report.sequence;
  absl::StatusOr<std::optional<JobRow>> row = store_.GetJob(report.key);
  if (!row.ok()) return row.status();
  const auto superseded = [&](const std::string& state) {
    spdlog::warn("job {}: report '{}' of worker {} not applied, the job is {} now",
                 DescribeJob(report.key), report.state, report.worker_name,
                 state.empty() ? "gone" : "'" + state + "'");
    ack.superseded = true;
    ack.current_state = state;
    return ack;
  };
  if (!row->has_value()) return superseded("");
  const JobRow& job = **row;
  if (job.edge_worker.empty()) return superseded(job.state);
  if (job.edge_worker != report.worker_name) {
    return absl::PermissionDeniedError(absl::StrCat(
        "job ", DescribeJob(report.key), " belongs to another worker; worker ",
        report.worker_name, " may report only its own jobs"));
  }
  ack.current_state = job.state;
  if (report.state == states::kJobRunning) {
    if (job.state == states::kJobRunning) {
      ack.duplicate = true;
      return ack;
    }
    if (job.state != states::kJobRestarting) return superseded(job.state);
    // A worker that does not ask ClaimJob first (older edgectl) confirms with this report.
    absl::StatusOr<ClaimResult> claim = store_.ConfirmClaim(report.key, report.worker_name);
    if (!claim.ok()) return claim.status();
    metrics_.ClaimDecided(claim->granted);
    if (!claim->granted) return superseded(claim->state);
    ack.current_state = claim->state;
    return ack;
  }
  if (job.state == report.state) {
    ack.duplicate = true;
    return ack;
  }
  // A final state applies only to a job this worker confirmed ('running'). 'restarting' is a
  // claim nobody confirmed yet: a final report for it comes from an earlier run that Airflow
  // has since re-queued, and must not end the new one.
  if (job.state != states::kJobRunning) return superseded(job.state);
  if (absl::Status s = edge_api_.SetJobState(report.key, report.state); !s.ok()) return s;
  ack.current_state = report.state;
  return ack;
}

void JobStateRelay::Remember(const JobId& id, uint64_t sequence) {
  absl::MutexLock lock(&mu_);
  Applied& applied = applied_[id];
  applied.sequence = std::max(applied.sequence, sequence);
  applied.at = clock_.Now();
  ForgetOld();
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
