// File: worker/edge_worker.h
//
// The edge worker's main loop (edge3's EdgeWorker, spec §3): register, keep the event stream to
// the sidecar open (reconnecting with jittered exponential backoff, at least the sidecar's
// retry-after), hand the jobs the sidecar pushes to the JobRunner (which claims, starts, watches
// and reports them and ships their logs), heartbeat every interval and at once on every state
// change, and react to signals and central requests.
//
// The loop never waits for the sidecar: heartbeats and re-registration run on a CallLane, the
// JobRunner's calls on lanes of its own, the stream on its reader thread; a failing call only
// delays calls of its kind. Only the first registration (nothing runs yet) and the final
// "offline" heartbeat are made on the loop's thread.
//
// Threading: everything runs on the thread that calls Run(), except the lanes' and the stream's
// threads, which only hand results over and wake the loop. Signals arrive through SignalPipe.
// Collaborators (sidecar, process launcher, clock, randomness, journal) are interfaces or owned
// by the caller, so tests can substitute fakes; production wiring is in run_worker.cc.
#ifndef EDGECTL_WORKER_EDGE_WORKER_H_
#define EDGECTL_WORKER_EDGE_WORKER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "proto/edge_worker.pb.h"
#include "worker/call_lane.h"
#include "worker/clock.h"
#include "worker/drain_escalation.h"
#include "worker/health/worker_status_board.h"
#include "worker/interpreter_versions.h"
#include "worker/job_runner.h"
#include "worker/process_launcher.h"
#include "worker/sidecar_client.h"
#include "worker/sidecar_link.h"
#include "worker/signal_pipe.h"
#include "worker/task_launch.h"
#include "worker/worker_journal.h"
#include "worker/worker_options.h"
#include "worker/worker_state.h"
#include "worker/sysinfo_extension/sysinfo_extension_runner.h"

namespace edgectl::worker {

struct EdgeWorkerDeps {
  SidecarClient* sidecar;
  ProcessLauncher* launcher;
  Clock* clock;
  RandomSource* random;
  WorkerJournal* journal;
  // Receives a snapshot after every tick when the health endpoint is on (else nullptr).
  WorkerStatusBoard* status_board = nullptr;
  // [edge] extended_system_info_function, when configured (else null).
  SysinfoExtension* sysinfo_extension = nullptr;
};

// Who this process is, for the sidecar's restart takeover (worker_registration.h on its side).
struct WorkerInstance {
  std::string id;           // this process's random id (sysinfo edgectl_instance)
  std::string previous_id;  // the crashed predecessor's, when it is known to be gone
};

class EdgeWorker {
 public:
  EdgeWorker(WorkerOptions options, InterpreterVersions versions, TaskEnvironment task_env,
             WorkerInstance instance, EdgeWorkerDeps deps);
  ~EdgeWorker();

  // Runs until the worker has drained; returns the process exit code (0, or 1 when registration
  // was refused or the versions did not match).
  int Run();

 private:
  // Startup and shutdown.
  absl::Status RegisterWithRetry();
  v1::RegisterRequest RegisterRequest();
  void OnRegistered(const v1::RegisterResponse& response);
  absl::Status HandleRegisterError(const absl::Status& status);
  void SignalOffline();

  // One pass of the loop.
  void Tick();
  bool Finished();
  void WaitForWork();

  // Connection.
  void MaintainConnection();
  void HandleReceivedEvents();
  // A call answered something that concerns the whole worker (NOT_FOUND, FAILED_PRECONDITION).
  void OnWorkerProblem(const absl::Status& status);

  // Heartbeats and server views.
  bool HeartbeatDue() const;
  void Heartbeat();
  void OnHeartbeat(const absl::StatusOr<v1::HeartbeatResponse>& response,
                   const std::string& sent_state);
  void ApplyServerView(const v1::HeartbeatResponse& response, const std::string& sent_state);
  v1::WorkerStateBody StateBody(const std::string& state, int jobs_active, bool offline) const;
  // A finished evaluation of the sysinfo extension: kept for the next heartbeats, and edge3's
  // automatic maintenance applied to its status.
  void TakeExtendedSysinfo();

  // Jobs.
  void OnJob(const v1::Job& job);
  int FreeSlots() const { return state_.concurrency() - runner_.UsedSlots(); }
  // Slots offered to the dispatcher: none while draining, in maintenance, or while too many
  // ended jobs still await delivery (the journal stays bounded during an outage).
  // `released`: slots about to be given back (a job whose final state is being reported).
  int DispatchFreeSlots(int released = 0) const;

  // Signals, drain, status.
  void HandleSignals();
  void OnStatusSignal();
  WorkerStatusFile CurrentStatus() const;
  void WriteStatusFile();
  // Hands the health endpoint (worker/health/) a snapshot, when there is one.
  void PublishStatus();
  void StartDrain(const char* reason);
  void EnforceDrainTimeout();

  WorkerOptions options_;
  InterpreterVersions versions_;
  TaskEnvironment task_env_;
  WorkerInstance instance_;
  EdgeWorkerDeps deps_;
  WorkerState state_;
  WakePipe wake_;
  SidecarLink link_;
  CallLane calls_;  // heartbeats and re-registration
  JobRunner runner_;
  DrainEscalation drain_escalation_;
  std::string worker_start_time_;

  // Heartbeat bookkeeping.
  absl::Duration heartbeat_interval_;
  absl::Time last_heartbeat_at_ = absl::InfinitePast();
  std::string last_sent_state_;
  size_t jobs_at_last_heartbeat_ = 0;
  bool force_heartbeat_ = true;
  int consecutive_state_differs_ = 0;
  bool versions_match_ = true;
  std::map<std::string, v1::SysinfoValue> extended_sysinfo_;
  std::optional<std::string> extended_sysinfo_error_;
  bool has_extended_sysinfo_ = false;

  // What only the health endpoint reports.
  uint64_t heartbeats_ok_ = 0;
  uint64_t heartbeats_failed_ = 0;
  absl::Time last_heartbeat_ok_ = absl::InfinitePast();
  bool link_was_connected_ = false;
  absl::Time link_changed_at_ = absl::InfinitePast();
  uint64_t link_disconnects_ = 0;
  uint64_t jobs_accepted_ = 0;

  // Drain bookkeeping.
  absl::Time drain_started_at_;
  std::optional<absl::Time> drained_at_;
  std::optional<std::string> fatal_message_;  // set when the worker must exit non-zero
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_EDGE_WORKER_H_
