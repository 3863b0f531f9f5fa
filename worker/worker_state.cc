#include "worker/worker_state.h"

#include "common/edge_states.h"

namespace edgectl::worker {

std::string ReportedWorkerState(bool has_jobs, bool drain, bool maintenance) {
  if (has_jobs) {
    if (drain) return states::kTerminating;
    return maintenance ? states::kMaintenancePending : states::kRunning;
  }
  if (drain) return maintenance ? states::kOfflineMaintenance : states::kOffline;
  return maintenance ? states::kMaintenanceMode : states::kIdle;
}

std::string WorkerState::RegistrationState() const {
  return maintenance_ ? states::kMaintenanceMode : states::kStarting;
}

ServerViewReaction WorkerState::ApplyServerView(const ServerView& view,
                                                const std::string& sent_state) {
  ServerViewReaction reaction;
  if (view.state == states::kMaintenanceRequest) {
    reaction.maintenance_entered = !maintenance_;
    maintenance_ = true;
  } else if (maintenance_ && (view.state == states::kIdle || view.state == states::kRunning)) {
    maintenance_ = false;
    reaction.maintenance_exited = true;
  }
  // edge3 keeps the server's comments only while in maintenance.
  comments_ = maintenance_ ? view.maintenance_comments : std::nullopt;
  if (view.state == states::kShutdownRequest) {
    reaction.shutdown_requested = !drain_;
    drain_ = true;
  }
  if (view.concurrency.has_value() && *view.concurrency != concurrency_) {
    reaction.previous_concurrency = concurrency_;
    concurrency_ = *view.concurrency;
  }
  queues_ = view.queues;
  reaction.state_differs = view.state != sent_state;
  return reaction;
}

void WorkerState::SetMaintenance(bool on, std::optional<std::string> comments) {
  maintenance_ = on;
  // As edge3's signal_status: only "on" with comments replaces them; the next heartbeat reply
  // clears them once maintenance is off.
  if (on && comments.has_value()) comments_ = std::move(comments);
}

bool WorkerState::StartDrain() {
  if (drain_) return false;
  drain_ = true;
  return true;
}

}  // namespace edgectl::worker
