// File: worker/edge_worker.h
//
// The edge worker's main loop (edge3's EdgeWorker, spec §3): register, keep the event stream to
// the sidecar open (reconnecting with jittered exponential backoff), start the jobs the sidecar
// pushes, watch and reap their processes, ship their logs near-live, report their states, heartbeat
// every interval and at once on every state change, and react to signals and central requests.
//
// Threading: everything runs on the thread that calls Run(), except the SidecarClient's stream
// reader, which only queues events and wakes the loop. Signals arrive through SignalPipe.
// Collaborators (sidecar, process launcher, clock, randomness) are interfaces, so tests can
// substitute fakes; production wiring is in run_worker.cc.
#ifndef EDGECTL_WORKER_EDGE_WORKER_H_
#define EDGECTL_WORKER_EDGE_WORKER_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "proto/edge_worker.pb.h"
#include "worker/clock.h"
#include "worker/drain_escalation.h"
#include "worker/interpreter_versions.h"
#include "worker/job_state_outbox.h"
#include "worker/log_shipper.h"
#include "worker/log_tailer.h"
#include "worker/process_launcher.h"
#include "worker/sidecar_client.h"
#include "worker/sidecar_link.h"
#include "worker/signal_pipe.h"
#include "worker/task_launch.h"
#include "worker/worker_options.h"
#include "worker/worker_state.h"

namespace edgectl::worker {

struct EdgeWorkerDeps {
  SidecarClient* sidecar;
  ProcessLauncher* launcher;
  Clock* clock;
  RandomSource* random;
};

class EdgeWorker {
 public:
  EdgeWorker(WorkerOptions options, InterpreterVersions versions, TaskEnvironment task_env,
             EdgeWorkerDeps deps);
  ~EdgeWorker();

  // Runs until the worker has drained; returns the process exit code (0, or 1 when registration
  // was refused or the versions did not match).
  int Run();

 private:
  struct RunningJob {
    v1::JobKey key;
    int slots = 1;
    pid_t pid = -1;
    std::string stderr_path;
    std::unique_ptr<LogTailer> log;
  };
  struct FinishedLog {
    v1::JobKey key;
    std::unique_ptr<LogTailer> log;
  };

  // Startup and shutdown.
  absl::Status RegisterWithRetry();
  absl::StatusOr<v1::RegisterResponse> RegisterOnce();
  absl::Status HandleRegisterError(const absl::Status& status);
  void EndLeftoverTaskGroups();
  void RecordTaskGroups();
  void SignalOffline();

  // One pass of the loop.
  void Tick();
  bool Finished();
  void WaitForWork();

  // Connection.
  void MaintainConnection();
  void HandleReceivedEvents();
  void MarkDisconnected(const absl::Status& status);
  void HandleCallError(const absl::Status& status, const char* what);

  // Heartbeats and server views.
  bool HeartbeatDue() const;
  void Heartbeat();
  void ApplyServerView(const v1::HeartbeatResponse& response, const std::string& sent_state);
  v1::WorkerStateBody StateBody(const std::string& state, int jobs_active, bool offline) const;

  // Jobs.
  void OnJob(const v1::Job& job);
  void StartJob(const v1::Job& job);
  void FailUnstartedJob(RunningJob job, uint64_t dispatch_id, const std::string& reason);
  void ReapJobs();
  void FinishJob(size_t index, int exit_code);
  void EnqueueReport(const v1::JobKey& key, const char* state, uint64_t dispatch_id);
  int UsedSlots() const;
  int FreeSlots() const { return state_.concurrency() - UsedSlots(); }
  int DispatchFreeSlots() const { return state_.AcceptsJobs() ? std::max(FreeSlots(), 0) : 0; }

  // Logs.
  void ReadLogs();
  void ShipLogs();
  bool HasPendingLogs() const;
  void PushNoticeToAllJobs(const std::string& message);

  // Signals and drain.
  void HandleSignals();
  void OnStatusSignal();
  void WriteStatusFile();
  void StartDrain(const char* reason);
  void EnforceDrainTimeout();
  void SignalJobs(int signal, bool whole_group);

  WorkerOptions options_;
  InterpreterVersions versions_;
  TaskEnvironment task_env_;
  EdgeWorkerDeps deps_;
  WorkerState state_;
  JobStateOutbox outbox_;
  LogShipper log_shipper_;
  WakePipe wake_;
  SidecarLink link_;
  DrainEscalation drain_escalation_;
  std::string worker_start_time_;

  std::vector<RunningJob> jobs_;
  std::vector<FinishedLog> finished_logs_;

  // Heartbeat bookkeeping.
  absl::Duration heartbeat_interval_;
  absl::Time last_heartbeat_at_ = absl::InfinitePast();
  std::string last_sent_state_;
  size_t jobs_at_last_heartbeat_ = 0;
  bool force_heartbeat_ = true;
  int consecutive_state_differs_ = 0;
  bool versions_match_ = true;

  // Drain bookkeeping.
  absl::Time drain_started_at_;
  std::optional<absl::Time> drained_at_;
  std::optional<std::string> fatal_message_;  // set when the worker must exit non-zero

  absl::Time last_log_read_at_ = absl::InfinitePast();
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_EDGE_WORKER_H_
