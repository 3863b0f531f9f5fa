#include "controlplane/worker_state_watcher.h"

#include <spdlog/spdlog.h>

#include <set>

#include "common/edge_states.h"

namespace edgectl::controlplane {

WorkerView ViewOfRow(const WorkerRow& row, int heartbeat_interval_seconds) {
  WorkerView view;
  view.state.state = row.state;
  view.state.queues = row.queues;
  view.state.maintenance_comments = row.maintenance_comment;
  view.state.concurrency = row.concurrency;
  view.state.versions_match = true;
  view.heartbeat_interval_seconds = heartbeat_interval_seconds;
  return view;
}

WorkerStateWatcher::~WorkerStateWatcher() { Stop(); }

void WorkerStateWatcher::Start() {
  thread_ = std::thread([this] {
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) return;
      }
      PollOnce();
    }
  });
}

void WorkerStateWatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void WorkerStateWatcher::Observe(const std::string& worker_name,
                                 const bridge::WorkerSetStateReturn& view) {
  absl::MutexLock lock(&mu_);
  known_[worker_name] = Known{view.state, view.queues, view.concurrency};
}

void WorkerStateWatcher::Forget(const std::string& worker_name) {
  absl::MutexLock lock(&mu_);
  known_.erase(worker_name);
}

bool WorkerStateWatcher::ShouldNotify(const Known& before, const WorkerRow& now) const {
  const bool requested = now.state == states::kMaintenanceRequest ||
                         now.state == states::kMaintenanceExit ||
                         now.state == states::kShutdownRequest;
  return (requested && now.state != before.state) || now.concurrency != before.concurrency ||
         now.queues != before.queues;
}

void WorkerStateWatcher::EndRevokedSessions() {
  if (tokens_ == nullptr) return;
  const std::vector<std::pair<std::string, std::string>> sessions = registry_.TokenSessions();
  if (sessions.empty()) return;
  std::vector<std::string> hashes;
  for (const auto& session : sessions) hashes.push_back(session.second);
  absl::StatusOr<std::set<std::string>> issued = tokens_->IssuedTokens(hashes);
  if (!issued.ok()) {
    spdlog::warn("state watcher: cannot check worker tokens: {}", issued.status().ToString());
    return;
  }
  for (const auto& [worker, hash] : sessions) {
    if (issued->count(hash) > 0) continue;
    spdlog::warn("worker {}: its token {}... was revoked; ending its stream", worker,
                 hash.substr(0, 12));
    registry_.End(worker, absl::UnauthenticatedError(
                              "this worker's token was revoked (edgectl token revoke); issue a "
                              "new one with `edgectl token issue -H NAME`"));
  }
}

void WorkerStateWatcher::PollOnce() {
  EndRevokedSessions();
  const std::vector<std::string> connected = registry_.ConnectedWorkers();
  if (connected.empty()) return;
  absl::StatusOr<std::vector<WorkerRow>> rows = store_.GetWorkers(connected);
  if (!rows.ok()) {
    spdlog::warn("state watcher: {}", rows.status().ToString());
    return;
  }
  std::vector<WorkerRow> moved;     // the registry's view must follow
  std::vector<WorkerRow> notified;  // the worker must hear about it
  {
    absl::MutexLock lock(&mu_);
    for (const WorkerRow& row : *rows) {
      auto it = known_.find(row.worker_name);
      if (it == known_.end()) continue;  // not welcomed yet: the welcome sets the baseline
      const bool notify = ShouldNotify(it->second, row);
      if (notify || it->second.state != row.state) moved.push_back(row);
      if (notify) notified.push_back(row);
      it->second = Known{row.state, row.queues, row.concurrency};
    }
    const std::set<std::string> live(connected.begin(), connected.end());
    for (auto it = known_.begin(); it != known_.end();) {
      it = live.count(it->first) ? std::next(it) : known_.erase(it);
    }
  }
  for (const WorkerRow& row : moved) registry_.UpdateView(row.worker_name, row.state, row.queues);
  for (const WorkerRow& row : notified) {
    WorkerEvent event;
    event.kind = WorkerEvent::Kind::kStateChange;
    event.view = ViewOfRow(row, heartbeat_interval_seconds_);
    spdlog::info("state watcher: worker {} is now '{}'; notifying it", row.worker_name, row.state);
    registry_.Send(row.worker_name, std::move(event), [](bool) {});
  }
}

}  // namespace edgectl::controlplane
