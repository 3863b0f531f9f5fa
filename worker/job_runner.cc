#include "worker/job_runner.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/edge_states.h"
#include "spdlog/spdlog.h"
#include "worker/job_keys.h"
#include "worker/local_files.h"
#include "worker/task_keeper.h"

namespace edgectl::worker {
namespace {

// Once the first failure of a lane is logged, at most one line per this interval.
constexpr absl::Duration kFailureLogInterval = absl::Seconds(30);

}  // namespace

JobRunner::JobRunner(JobRunnerOptions options, JobRunnerDeps deps, WorkerProblem on_problem,
                     std::function<int(int)> free_slots)
    : options_(std::move(options)),
      deps_(deps),
      on_problem_(std::move(on_problem)),
      free_slots_(std::move(free_slots)),
      tailer_(options_.push_log_chunk_size, options_.push_log_chunk_size, deps.clock),
      claims_("claims", deps.clock, deps.random, deps.wake),
      reports_("reports", deps.clock, deps.random, deps.wake),
      logs_("logs", deps.clock, deps.random, deps.wake),
      jobs_(deps.journal->jobs()) {}

void JobRunner::Save(const JobRecord& record, bool sync) {
  if (absl::Status s = deps_.journal->Save(record, sync); !s.ok()) {
    // Delivery goes on from memory; only a restart before the disk recovers could lose it.
    spdlog::error("Cannot journal job {}: {}", JobName(record.key), std::string(s.message()));
  }
}

// ---------------------------------------------------------------------------------------------
// Accepting and claiming

bool JobRunner::Accept(const v1::Job& job) {
  bool earlier_run = false;
  for (const auto& [id, r] : jobs_) {
    if (!SameJob(r.key, job.key())) continue;
    if (r.phase != JobPhase::kExited) {
      // Already ours (a re-dispatch after a take-back it missed): its pending claim decides.
      spdlog::warn("Ignoring a second dispatch of job {}", JobName(job.key()));
      return true;
    }
    earlier_run = true;
  }
  JobRecord r;
  r.id = deps_.journal->NextJobId();
  r.key = job.key();
  r.dispatch_id = job.dispatch_id();
  r.slots = std::max(job.concurrency_slots(), 1);
  absl::StatusOr<WorkloadInfo> workload = ParseWorkload(job.command());
  if (workload.ok() && workload->log_path.has_value()) {
    r.log_file = absl::StrCat(options_.base_log_folder, "/", *workload->log_path);
  }
  // Airflow queued this try again after an earlier run here: its log file already holds that
  // run's bytes, which were (or are being) delivered by the earlier record.
  if (earlier_run) r.log_emitted = FileSize(r.log_file);
  const std::string workload_path = deps_.journal->WorkloadPath(r.id);
  // A 0600 file: the workload carries the task's Execution API token.
  if (absl::Status s = WriteFileAtomically(workload_path, job.command(), 0600); !s.ok()) {
    spdlog::error("Not taking job {}: {}", JobName(job.key()), std::string(s.message()));
    return false;
  }
  if (absl::Status s = deps_.journal->Save(r); !s.ok()) {
    spdlog::error("Not taking job {}: cannot journal it: {}", JobName(job.key()),
                  std::string(s.message()));
    deps_.journal->Forget(r.id);  // also removes the workload file
    return false;
  }
  ClaimNext();
  return true;
}

void JobRunner::Decline(const v1::Job& job) {
  v1::JobClaim decline;
  decline.set_worker_name(options_.worker_name);
  *decline.mutable_key() = job.key();
  decline.set_dispatch_id(job.dispatch_id());
  decline.set_decline(true);
  declines_.push_back(std::move(decline));
  ClaimNext();
}

void JobRunner::ClaimNext() {
  if (!claims_.Ready()) return;
  if (!declines_.empty()) {
    v1::JobClaim decline = std::move(declines_.front());
    declines_.pop_front();
    decline.set_free_concurrency(free_slots_(0));
    SidecarClient* sidecar = deps_.sidecar;
    claims_.Submit([this, sidecar, decline]() -> CallLane::Completion {
      absl::StatusOr<v1::JobClaimReply> reply = sidecar->ClaimJob(decline);
      return [this, reply] {
        // Nothing to retry: the ack timeout takes the job back when this did not.
        if (reply.ok()) claims_.Succeeded();
        ClaimNext();
      };
    });
    return;
  }
  for (const auto& [id, r] : jobs_) {
    if (r.phase != JobPhase::kClaiming) continue;
    v1::JobClaim claim;
    claim.set_worker_name(options_.worker_name);
    *claim.mutable_key() = r.key;
    claim.set_dispatch_id(r.dispatch_id);
    claim.set_free_concurrency(free_slots_(0));
    SidecarClient* sidecar = deps_.sidecar;
    const uint64_t job_id = id;
    claims_.Submit([this, sidecar, claim, job_id]() -> CallLane::Completion {
      absl::StatusOr<v1::JobClaimReply> reply = sidecar->ClaimJob(claim);
      return [this, job_id, reply] { OnClaimed(job_id, reply); };
    });
    return;
  }
}

void JobRunner::OnClaimed(uint64_t id, const absl::StatusOr<v1::JobClaimReply>& reply) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  JobRecord& r = it->second;
  if (!reply.ok()) {
    if (CallFailed(claims_, reply.status(), "Claiming " + JobName(r.key))) {
      spdlog::error("Not starting {}: {}", JobName(r.key), reply.status().ToString());
      deps_.journal->Forget(id);
    }
    return;
  }
  claims_.Succeeded();
  if (!reply->granted()) {
    spdlog::warn("Not starting {}: the centre took the job back before this worker confirmed it "
                 "(it is {} now{})",
                 JobName(r.key), reply->current_state().empty() ? "gone" : reply->current_state(),
                 reply->current_worker().empty() ? "" : ", worker " + reply->current_worker());
    deps_.journal->Forget(id);
    return;
  }
  Launch(r);
}

// ---------------------------------------------------------------------------------------------
// Running

void JobRunner::Launch(JobRecord& r) {
  spdlog::info("Received job: {}", JobName(r.key));
  // Journaled before the process exists: whatever happens next, this job is never started again.
  r.phase = JobPhase::kRunning;
  r.pid = 0;
  Save(r);
  const std::string workload_path = deps_.journal->WorkloadPath(r.id);
  absl::StatusOr<std::string> workload = ReadWholeFile(workload_path);
  absl::StatusOr<WorkloadInfo> info =
      workload.ok() ? ParseWorkload(*workload) : absl::StatusOr<WorkloadInfo>(workload.status());
  if (!info.ok()) {
    EndJob(r, std::nullopt, std::string(info.status().message()));
    return;
  }
  const TaskFiles files{options_.keeper_binary, workload_path, deps_.journal->ExitPath(r.id),
                        deps_.journal->StderrPath(r.id)};
  absl::StatusOr<pid_t> pid = deps_.launcher->Launch(BuildTaskLaunchSpec(options_.task_env, files));
  if (!pid.ok()) {
    EndJob(r, std::nullopt, std::string(pid.status().message()));
    return;
  }
  r.pid = *pid;
  r.pid_start_ticks = ProcessStartTicks(*pid);
  Save(r);
  spdlog::info("Launched task subprocess pid={} for {}", r.pid, JobName(r.key));
}

void JobRunner::EndJob(JobRecord& r, std::optional<int> exit_code, const std::string& reason) {
  r.phase = JobPhase::kExited;
  r.exit_code = exit_code;
  r.failure_reason = reason;
  const bool success = exit_code.has_value() && *exit_code == 0;
  r.final_state = success ? states::kJobSuccess : states::kJobFailed;
  if (success) {
    spdlog::info("Job completed: {}", JobName(r.key));
  } else {
    std::string details = reason;
    if (details.empty()) {
      details = ReadWholeFile(deps_.journal->StderrPath(r.id)).value_or("");
      spdlog::error("Job failed (exit code {}): {}", exit_code.value_or(-1), JobName(r.key));
    } else {
      spdlog::error("Job failed: {}: {}", JobName(r.key), reason);
    }
    // As edge3: the failure text goes to the task's log (even with push_logs off), then the
    // state.
    LogTailer::AppendTrailer(r, "Error executing job:\n" + details);
  }
  adopted_.erase(r.id);
  Save(r);
  // The workload (with its token) is not needed any more.
  std::remove(deps_.journal->WorkloadPath(r.id).c_str());
  last_log_ship_ = absl::InfinitePast();  // ship the last bytes now
}

void JobRunner::ReapExited() {
  for (auto& [id, r] : jobs_) {
    if (r.phase != JobPhase::kRunning || r.pid <= 0) continue;
    if (adopted_.count(id) == 0) {
      if (std::optional<int> code = deps_.launcher->TryReap(r.pid)) EndJob(r, code, "");
      continue;
    }
    // Not our child: the keeper's record says how it ended.
    if (std::optional<int> code = ReadRecordedExitCode(deps_.journal->ExitPath(id))) {
      EndJob(r, code, "");
    } else if (ProcessStartTicks(r.pid) != r.pid_start_ticks) {
      EndJob(r, std::nullopt,
             "the task's process ended without recording an exit code (it was killed while the "
             "worker was not running, or with SIGKILL)");
    }
  }
}

void JobRunner::Restore() {
  size_t claims = 0, adopted = 0, ended = 0, undelivered = 0;
  for (auto& [id, r] : jobs_) {
    switch (r.phase) {
      case JobPhase::kClaiming:
        ++claims;  // asked again: granted only if still this worker's unconfirmed claim
        break;
      case JobPhase::kRunning: {
        const std::string exit_path = deps_.journal->ExitPath(id);
        if (r.pid <= 0) r.pid = FindTaskKeeper(exit_path);
        // 0 when gone; a start time other than the journaled one is another process.
        const uint64_t ticks = ProcessStartTicks(r.pid);
        if (std::optional<int> code = ReadRecordedExitCode(exit_path)) {
          EndJob(r, code, "");
          ++ended;
        } else if (ticks != 0 && (r.pid_start_ticks == 0 || ticks == r.pid_start_ticks)) {
          r.pid_start_ticks = ticks;
          adopted_.insert(id);
          Save(r);
          spdlog::info("Adopted task pid={} of {}, still running after the worker restarted",
                       r.pid, JobName(r.key));
          ++adopted;
        } else {
          EndJob(r, std::nullopt,
                 r.pid > 0 ? "the task's process was gone when the worker restarted, and it "
                             "recorded no exit code"
                           : "the worker stopped while starting this task; it did not run");
          ++ended;
        }
        break;
      }
      case JobPhase::kExited:
        ++undelivered;
        break;
    }
  }
  if (!jobs_.empty()) {
    spdlog::info("Worker journal {}: {} job(s) to claim, {} adopted, {} ended while the worker "
                 "was down, {} awaiting delivery",
                 deps_.journal->dir(), claims, adopted, ended, undelivered);
  }
}

// ---------------------------------------------------------------------------------------------
// The loop's pass and views

void JobRunner::Tick() {
  claims_.RunCompletion();
  reports_.RunCompletion();
  logs_.RunCompletion();
  ReapExited();
  ClaimNext();
  ShipLogs();
  ReportNext();
}

int JobRunner::UsedSlots() const {
  // A job holds its slots until its final state is delivered (then it leaves `jobs_`): until
  // then Airflow still sees it running here, and the worker must not look free to the
  // dispatcher beyond its concurrency (as edge3 keeps a job in its list until reported).
  int used = 0;
  for (const auto& [id, r] : jobs_) used += r.slots;
  return used;
}

size_t JobRunner::Active() const {
  return static_cast<size_t>(std::count_if(jobs_.begin(), jobs_.end(), [](const auto& entry) {
    return entry.second.phase != JobPhase::kExited;
  }));
}

size_t JobRunner::Undelivered() const { return jobs_.size() - Active(); }

std::vector<v1::JobKey> JobRunner::RunningKeys() const {
  std::vector<v1::JobKey> keys;
  for (const auto& [id, r] : jobs_) {
    if (r.phase == JobPhase::kRunning) keys.push_back(r.key);
  }
  return keys;
}

std::vector<v1::JobKey> JobRunner::ActiveKeys() const {
  std::vector<v1::JobKey> keys;
  for (const auto& [id, r] : jobs_) {
    if (r.phase != JobPhase::kExited) keys.push_back(r.key);
  }
  return keys;
}

void JobRunner::SignalAll(int signal, bool whole_group) {
  for (const auto& [id, r] : jobs_) {
    if (r.phase == JobPhase::kRunning && r.pid > 0) {
      deps_.launcher->Signal(r.pid, signal, whole_group);
    }
  }
}

void JobRunner::NoticeToAll(const std::string& text) {
  for (auto& [id, r] : jobs_) {
    if (r.phase != JobPhase::kRunning) continue;
    tailer_.AppendText(r, text + "\n");
    Save(r);
  }
  last_log_ship_ = absl::InfinitePast();
}

bool JobRunner::CallFailed(CallLane& lane, const absl::Status& status, const std::string& what) {
  switch (status.code()) {
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return true;  // about this call's subject; the caller decides what that means
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
      on_problem_(status);
      break;
    default:
      break;
  }
  const absl::Duration delay = lane.Failed(status);
  const absl::Time now = deps_.clock->Now();
  if (now - last_failure_log_ >= kFailureLogInterval) {
    last_failure_log_ = now;
    spdlog::warn("{} failed ({}); {} calls retry in {} (nothing is dropped)", what,
                 status.ToString(), lane.name(), absl::FormatDuration(delay));
  }
  return false;
}

}  // namespace edgectl::worker
