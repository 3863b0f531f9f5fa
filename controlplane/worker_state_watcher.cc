#include "controlplane/worker_state_watcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
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

namespace {

// How long a notified worker is remembered for the Observe() race: longer than any REST call
// behind a heartbeat or welcome may take.
constexpr absl::Duration kRaceWindow = absl::Seconds(60);
// While listening, how often connected workers' baselines are pruned (in memory, no statement).
constexpr absl::Duration kPruneInterval = absl::Seconds(60);
// While listening, how often a full round runs anyway: a listener behind a transaction-pooling
// PgBouncer passes its trigger check yet hears nothing, and a revoked token must not keep its
// stream (and get work) for long even then.
constexpr absl::Duration kSafetyInterval = absl::Seconds(60);

}  // namespace

WorkerStateWatcher::~WorkerStateWatcher() { Stop(); }

void WorkerStateWatcher::Start() {
  thread_ = std::thread([this] {
    absl::Time next_prune = absl::Now() + kPruneInterval;
    absl::Time next_safety_round = absl::Now() + kSafetyInterval;
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        // Listening: wake at once for a notification; the timeout only paces pruning and
        // notices a lost listener. Polling: every interval.
        auto due = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || (listening_ && (full_round_due_ || !pending_.empty()));
        };
        if (mu_.AwaitWithTimeout(absl::Condition(&due), interval_) && stopping_) return;
      }
      if (!Round()) {
        // The database failed: what was due stays due, but is retried after an interval.
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) return;
      }
      if (absl::Now() >= next_prune) {
        PruneKnown();
        next_prune = absl::Now() + kPruneInterval;
      }
      if (absl::Now() >= next_safety_round) {
        absl::MutexLock lock(&mu_);
        full_round_due_ = true;
        next_safety_round = absl::Now() + kSafetyInterval;
      }
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
  // The reply may predate a notification already handled: read the row once more.
  auto recent = recent_.find(worker_name);
  if (listening_ && recent != recent_.end()) pending_[worker_name] |= recent->second.second;
}

void WorkerStateWatcher::Forget(const std::string& worker_name) {
  absl::MutexLock lock(&mu_);
  known_.erase(worker_name);
}

void WorkerStateWatcher::OnWorkerNotified(const std::string& worker_name) {
  Notify(worker_name, kRow);
}

void WorkerStateWatcher::OnTokenRevoked(const std::string& worker_name) {
  Notify(worker_name, kToken);
}

void WorkerStateWatcher::Notify(const std::string& worker_name, int what) {
  absl::MutexLock lock(&mu_);
  pending_[worker_name] |= what;
  auto& recent = recent_[worker_name];
  recent = {absl::Now(), recent.second | what};
}

void WorkerStateWatcher::OnListening(bool listening) {
  absl::MutexLock lock(&mu_);
  // Changes made while nobody listened are found by one full round.
  if (listening && !listening_) full_round_due_ = true;
  listening_ = listening;
}

uint64_t WorkerStateWatcher::rows_requested() const {
  absl::MutexLock lock(&mu_);
  return rows_requested_;
}

uint64_t WorkerStateWatcher::rounds() const {
  absl::MutexLock lock(&mu_);
  return rounds_;
}

bool WorkerStateWatcher::listening() const {
  absl::MutexLock lock(&mu_);
  return listening_;
}

bool WorkerStateWatcher::ShouldNotify(const Known& before, const WorkerRow& now) const {
  const bool requested = now.state == states::kMaintenanceRequest ||
                         now.state == states::kMaintenanceExit ||
                         now.state == states::kShutdownRequest;
  return (requested && now.state != before.state) || now.concurrency != before.concurrency ||
         now.queues != before.queues;
}

bool WorkerStateWatcher::EndRevokedSessions(const std::set<std::string>* only) {
  if (tokens_ == nullptr) return true;
  std::vector<std::pair<std::string, std::string>> sessions = registry_.TokenSessions();
  if (only != nullptr) {
    sessions.erase(std::remove_if(sessions.begin(), sessions.end(),
                                  [&](const auto& s) { return only->count(s.first) == 0; }),
                   sessions.end());
  }
  if (sessions.empty()) return true;
  std::vector<std::string> hashes;
  for (const auto& session : sessions) hashes.push_back(session.second);
  absl::StatusOr<std::set<std::string>> issued = tokens_->IssuedTokens(hashes);
  if (!issued.ok()) {
    spdlog::warn("state watcher: cannot check worker tokens: {}", issued.status().ToString());
    return false;
  }
  for (const auto& [worker, hash] : sessions) {
    if (issued->count(hash) > 0) continue;
    spdlog::warn("worker {}: its token {}... was revoked; ending its stream", worker,
                 hash.substr(0, 12));
    registry_.End(worker, absl::UnauthenticatedError(
                              "this worker's token was revoked (edgectl token revoke); issue a "
                              "new one with `edgectl token issue -H NAME`"));
  }
  return true;
}

void WorkerStateWatcher::PollOnce() { Round(); }

bool WorkerStateWatcher::Round() {
  bool full;
  std::map<std::string, int> pending;
  {
    absl::MutexLock lock(&mu_);
    ++rounds_;
    full = !listening_ || full_round_due_;
    full_round_due_ = false;
    pending.swap(pending_);
    const absl::Time horizon = absl::Now() - kRaceWindow;
    for (auto it = recent_.begin(); it != recent_.end();) {
      it = it->second.first < horizon ? recent_.erase(it) : std::next(it);
    }
  }
  auto restore = [&] {
    absl::MutexLock lock(&mu_);
    if (full) full_round_due_ = true;
    for (const auto& [worker, what] : pending) pending_[worker] |= what;
  };
  if (full) {
    if (!EndRevokedSessions(nullptr) || !Compare(registry_.ConnectedWorkers(), true)) {
      restore();
      return false;
    }
    return true;
  }
  std::set<std::string> token_workers;
  std::vector<std::string> rows;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [worker, what] : pending) {
      if (what & kToken) token_workers.insert(worker);
      // Only workers welcomed here have a baseline to compare with.
      if ((what & kRow) && known_.count(worker) > 0) rows.push_back(worker);
    }
  }
  if ((!token_workers.empty() && !EndRevokedSessions(&token_workers)) ||
      (!rows.empty() && !Compare(rows, false))) {
    restore();
    return false;
  }
  return true;
}

void WorkerStateWatcher::PruneKnown() {
  const std::vector<std::string> connected = registry_.ConnectedWorkers();
  const std::set<std::string> live(connected.begin(), connected.end());
  absl::MutexLock lock(&mu_);
  for (auto it = known_.begin(); it != known_.end();) {
    it = live.count(it->first) ? std::next(it) : known_.erase(it);
  }
}

bool WorkerStateWatcher::Compare(const std::vector<std::string>& names, bool prune) {
  if (names.empty()) return true;
  absl::StatusOr<std::vector<WorkerRow>> rows = store_.GetWorkers(names);
  {
    absl::MutexLock lock(&mu_);
    rows_requested_ += names.size();
  }
  if (!rows.ok()) {
    spdlog::warn("state watcher: {}", rows.status().ToString());
    return false;
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
    if (prune) {
      const std::set<std::string> live(names.begin(), names.end());
      for (auto it = known_.begin(); it != known_.end();) {
        it = live.count(it->first) ? std::next(it) : known_.erase(it);
      }
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
  return true;
}

}  // namespace edgectl::controlplane
