// File: worker/job_runner.h
//
// Every job the worker was given, from the sidecar's push until its final state and last log
// byte reached Airflow (docs/ARCHITECTURE.md, "Exactly once"). The two promises, in this order:
//   * a try never runs twice: a pushed job is journaled, then claimed (ClaimJob); only a claim
//     the centre granted is started, and "running" is journaled before the process starts, so
//     neither a lost answer nor a crash can start it a second time (a restarted worker adopts or
//     reports what it finds; it never starts a job it may have started before);
//   * nothing a site reports is lost: exit codes are recorded by the task keeper, final states
//     and log progress by the journal, and both are re-sent until the sidecar acknowledges them,
//     across reconnects and restarts. A report the centre has moved past comes back "superseded"
//     and is dropped, as is a job whose claim was refused.
// Calls run on three CallLanes (claims, reports, logs), so a slow or failing call never holds the
// worker's loop or the other kinds of calls. A job's final state is sent after its log is
// delivered, as edge3 pushes the log before the state. Owned by the worker's loop thread.
#ifndef EDGECTL_WORKER_JOB_RUNNER_H_
#define EDGECTL_WORKER_JOB_RUNNER_H_

#include <sys/types.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "proto/edge_worker.pb.h"
#include "worker/call_lane.h"
#include "worker/clock.h"
#include "worker/job_record.h"
#include "worker/log_tailer.h"
#include "worker/process_launcher.h"
#include "worker/sidecar_client.h"
#include "worker/signal_pipe.h"
#include "worker/task_launch.h"
#include "worker/worker_journal.h"

namespace edgectl::worker {

struct JobRunnerOptions {
  std::string worker_name;
  TaskEnvironment task_env;
  std::string keeper_binary;  // the edgectl binary that has `worker-task-keeper`
  std::string base_log_folder;
  bool push_logs = true;
  size_t push_log_chunk_size = 524288;
  absl::Duration log_push_interval = absl::Milliseconds(150);
  // Log bytes one PushLogs stream carries (the unacknowledged chunks per ship). Not memory:
  // chunks are read from the file one at a time as the stream sends them.
  size_t max_log_batch_bytes = 16 << 20;
};

struct JobRunnerDeps {
  SidecarClient* sidecar;
  ProcessLauncher* launcher;
  Clock* clock;
  RandomSource* random;
  WakePipe* wake;
  WorkerJournal* journal;
};

class JobRunner {
 public:
  // Told about call failures that concern the whole worker (NOT_FOUND: register again;
  // FAILED_PRECONDITION: version mismatch).
  using WorkerProblem = std::function<void(const absl::Status&)>;

  // `free_slots(released)`: the worker's slots open for dispatch once `released` more are free
  // (sent with each final report: the slots its job gives back).
  JobRunner(JobRunnerOptions options, JobRunnerDeps deps, WorkerProblem on_problem,
            std::function<int(int released)> free_slots);

  // After a restart: picks up the journal's jobs. Unconfirmed claims are claimed again; a task
  // process that is still alive is adopted; one that ended while the worker was down is
  // reported with its recorded exit code, or as failed with the reason when none was recorded.
  void Restore();

  // A job the sidecar pushed (the caller checked slots and state). Returns false when it cannot
  // be taken (it cannot be journaled): the caller gives it back. A second dispatch of a job
  // already held counts as taken.
  bool Accept(const v1::Job& job);

  // A pushed job the worker will not run (no free slot, draining, maintenance): give it back so
  // the sidecar requeues it at once. Best effort, not journaled: if the call fails, the
  // sidecar's ack timeout takes the job back anyway.
  void Decline(const v1::Job& job);

  // One pass: completions of finished calls, new claims, exits, final reports, log shipping.
  void Tick();
  // The sidecar's stream came back: calls backing off from the outage may go at once.
  void SidecarReachable() {
    claims_.SidecarReachable();
    reports_.SidecarReachable();
    logs_.SidecarReachable();
  }

  int UsedSlots() const;           // claimed, running, or ended with its state not delivered
  size_t Active() const;           // claimed or running jobs
  size_t Undelivered() const;      // ended jobs whose report or log is not acknowledged yet
  bool HasUndelivered() const { return Undelivered() > 0; }
  std::vector<v1::JobKey> RunningKeys() const;
  std::vector<v1::JobKey> ActiveKeys() const;

  // Signals every running task (its keeper, which forwards; or the whole process group).
  void SignalAll(int signal, bool whole_group);
  // Adds a line to every running task's log (drain and SIGTERM notices).
  void NoticeToAll(const std::string& text);

 private:
  // Journals the record (fsync'ed unless `sync` is false: see ShipLogs).
  void Save(const JobRecord& record, bool sync = true);
  void ClaimNext();
  void OnClaimed(uint64_t id, const absl::StatusOr<v1::JobClaimReply>& reply);
  void Launch(JobRecord& record);
  void EndJob(JobRecord& record, std::optional<int> exit_code, const std::string& reason);
  void ReapExited();
  void ReportNext();
  void OnReported(uint64_t id, const absl::StatusOr<v1::JobStateAck>& ack);
  void ShipLogs();
  void OnLogsShipped(const std::map<uint64_t, std::vector<OutgoingChunk>>& sent,
                     const absl::StatusOr<v1::PushLogsReply>& reply);
  void ForgetIfDelivered(uint64_t id);
  // A failed call: lane backoff, worker-wide problems passed on; returns true when the failure
  // is final for this call's subject (do not retry it).
  bool CallFailed(CallLane& lane, const absl::Status& status, const std::string& what);

  JobRunnerOptions options_;
  JobRunnerDeps deps_;
  WorkerProblem on_problem_;
  std::function<int(int)> free_slots_;
  LogTailer tailer_;
  CallLane claims_;
  CallLane reports_;
  CallLane logs_;
  // The journal's records (the one copy), changed in place; Save makes a change durable.
  std::map<uint64_t, JobRecord>& jobs_;
  std::set<uint64_t> adopted_;  // running tasks this process did not start (no waitpid)
  std::deque<v1::JobClaim> declines_;  // sent before new claims
  absl::Time last_log_ship_ = absl::InfinitePast();
  absl::Time last_failure_log_ = absl::InfinitePast();
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_JOB_RUNNER_H_
