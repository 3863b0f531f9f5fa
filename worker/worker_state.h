// File: worker/worker_state.h
//
// The worker's own state, as edge3's EdgeWorker keeps it: drain and maintenance flags, the
// maintenance comments, concurrency and queues. Pure: no I/O, no clock. ReportedWorkerState is
// edge3's _get_state table (spec §7.2); ApplyServerView is how edge3 reacts to a heartbeat reply
// (spec §3.3): "maintenance request" turns maintenance on, "idle"/"running" while in maintenance
// turns it off, "shutdown request" starts a drain, a central concurrency / queue list is adopted.
#ifndef EDGECTL_WORKER_WORKER_STATE_H_
#define EDGECTL_WORKER_WORKER_STATE_H_

#include <optional>
#include <string>
#include <vector>

namespace edgectl::worker {

// The reported state per edge3's table: has running jobs x drain x maintenance.
std::string ReportedWorkerState(bool has_jobs, bool drain, bool maintenance);

// The server-side view carried by HeartbeatResponse (welcome, state_change, heartbeat reply).
struct ServerView {
  std::string state;
  std::optional<std::vector<std::string>> queues;  // nullopt = all queues
  std::optional<std::string> maintenance_comments;
  std::optional<int> concurrency;
};

// What ApplyServerView changed, for logging and for the caller's follow-up (heartbeat at once).
struct ServerViewReaction {
  bool maintenance_entered = false;
  bool maintenance_exited = false;
  bool shutdown_requested = false;
  std::optional<int> previous_concurrency;  // set when the concurrency changed
  // edge3: a reply whose state differs from the one sent forces an immediate heartbeat.
  bool state_differs = false;
};

class WorkerState {
 public:
  WorkerState(int concurrency, std::optional<std::vector<std::string>> queues)
      : concurrency_(concurrency), queues_(std::move(queues)) {}

  std::string Reported(bool has_jobs) const {
    return ReportedWorkerState(has_jobs, drain_, maintenance_);
  }
  // The state to register with: edge3 sends "maintenance mode" when the flag is set.
  std::string RegistrationState() const;

  ServerViewReaction ApplyServerView(const ServerView& view, const std::string& sent_state);
  // Local maintenance on/off (marker file + SIGUSR2); comments given with "on" replace the stored ones.
  void SetMaintenance(bool on, std::optional<std::string> comments);
  // Returns true the first time (edge3 logs and starts the drain timer only once).
  bool StartDrain();

  bool drain() const { return drain_; }
  bool maintenance() const { return maintenance_; }
  const std::optional<std::string>& maintenance_comments() const { return comments_; }
  int concurrency() const { return concurrency_; }
  const std::optional<std::vector<std::string>>& queues() const { return queues_; }
  // Whether new jobs may start (edge3 fetches only when neither draining nor in maintenance).
  bool AcceptsJobs() const { return !drain_ && !maintenance_; }

 private:
  bool drain_ = false;
  bool maintenance_ = false;
  std::optional<std::string> comments_;
  int concurrency_;
  std::optional<std::vector<std::string>> queues_;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_WORKER_STATE_H_
