#include "controlplane/worker_registry.h"

#include <algorithm>

#include "common/edge_states.h"

namespace edgectl::controlplane {
namespace {

// edge3 workers fetch only while they are neither draining nor in maintenance.
bool Dispatchable(const std::string& state) {
  return state == states::kStarting || state == states::kRunning || state == states::kIdle;
}

}  // namespace

bool ServesQueue(const QueueSet& queues, const std::string& queue) {
  return !queues || std::find(queues->begin(), queues->end(), queue) != queues->end();
}

bool WorkerRegistry::Eligible(const Session& s) {
  return !s.fetch_in_flight && !s.stalled && Dispatchable(s.state) &&
         s.reported_free > 0;
}

void WorkerRegistry::Unindex(const std::string& name, Session& s) {
  if (!s.indexed) return;
  s.indexed = false;
  if (!s.queues) {
    any_queue_.erase(name);
    return;
  }
  for (const std::string& q : *s.queues) {
    auto it = by_queue_.find(q);
    if (it == by_queue_.end()) continue;
    it->second.erase(name);
    if (it->second.empty()) by_queue_.erase(it);
  }
}

void WorkerRegistry::Reindex(const std::string& name, Session& s) {
  if (s.indexed || !Eligible(s)) return;
  s.indexed = true;
  if (!s.queues) {
    any_queue_.insert(name);
    return;
  }
  for (const std::string& q : *s.queues) by_queue_[q].insert(name);
}

void WorkerRegistry::Pick(const std::set<std::string>& names, std::string* cursor, size_t max,
                          std::vector<DispatchCandidate>* out) const {
  if (names.empty() || max == 0) return;
  auto start = names.upper_bound(*cursor);
  auto it = start == names.end() ? names.begin() : start;
  const auto first = it;
  size_t picked = 0;
  do {
    const Session& s = sessions_.at(*it);
    out->push_back({*it, s.queues, s.reported_free});
    *cursor = *it;
    if (++picked == max) return;
    if (++it == names.end()) it = names.begin();
  } while (it != first);
}

std::vector<DispatchCandidate> WorkerRegistry::CandidatesFor(const std::string& queue,
                                                             size_t max) {
  std::vector<DispatchCandidate> out;
  absl::MutexLock lock(&mu_);
  if (auto it = by_queue_.find(queue); it != by_queue_.end()) {
    Pick(it->second, &cursor_[queue], max, &out);
  }
  if (out.size() < max && !any_queue_.empty()) {
    Pick(any_queue_, &any_cursor_[queue], max - out.size(), &out);
  }
  return out;
}

uint64_t WorkerRegistry::Attach(const std::string& worker_name, uint64_t connect_order,
                                int free_concurrency, QueueSet queues, const std::string& state,
                                std::shared_ptr<EventStream> stream, SessionInfo info) {
  std::shared_ptr<EventStream> replaced;
  uint64_t id;
  {
    absl::MutexLock lock(&mu_);
    auto existing = sessions_.find(worker_name);
    if (existing != sessions_.end() && existing->second.connect_order > connect_order) return 0;
    Session& s = sessions_[worker_name];
    Unindex(worker_name, s);
    replaced = std::move(s.stream);
    id = next_id_++;
    s = Session{id,    connect_order, std::move(stream), std::move(queues), state,
                free_concurrency, /*fetch_in_flight=*/false, /*stalled=*/false, std::move(info)};
    Reindex(worker_name, s);
  }
  if (replaced) replaced->Cancel();
  return id;
}

void WorkerRegistry::Detach(const std::string& worker_name, uint64_t session_id) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(worker_name);
  if (it != sessions_.end() && it->second.id == session_id) {
    Unindex(worker_name, it->second);
    sessions_.erase(it);
  }
}

void WorkerRegistry::UpdateFreeConcurrency(const std::string& worker_name, int free_concurrency) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(worker_name);
  if (it == sessions_.end()) return;
  Unindex(worker_name, it->second);
  it->second.reported_free = free_concurrency;
  it->second.stalled = false;
  Reindex(worker_name, it->second);
}

void WorkerRegistry::MarkStalled(const std::string& worker_name) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(worker_name);
  if (it == sessions_.end()) return;
  Unindex(worker_name, it->second);
  it->second.stalled = true;
}


void WorkerRegistry::UpdateView(const std::string& worker_name, const std::string& state,
                                QueueSet queues) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(worker_name);
  if (it == sessions_.end()) return;
  Unindex(worker_name, it->second);
  it->second.state = state;
  it->second.queues = std::move(queues);
  Reindex(worker_name, it->second);
}

std::vector<DispatchCandidate> WorkerRegistry::DispatchCandidates() const {
  std::vector<DispatchCandidate> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [name, s] : sessions_) {
    if (s.fetch_in_flight || s.stalled || !Dispatchable(s.state) || s.reported_free <= 0) continue;
    out.push_back({name, s.queues, s.reported_free});
  }
  return out;
}

bool WorkerRegistry::BeginFetch(const std::string& worker_name) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(worker_name);
  if (it == sessions_.end() || it->second.fetch_in_flight) return false;
  Unindex(worker_name, it->second);
  it->second.fetch_in_flight = true;
  return true;
}

void WorkerRegistry::EndFetch(const std::string& worker_name) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(worker_name);
  if (it == sessions_.end()) return;
  it->second.fetch_in_flight = false;
  Reindex(worker_name, it->second);
}

void WorkerRegistry::Send(const std::string& worker_name, WorkerEvent event,
                          std::function<void(bool written)> written) {
  std::shared_ptr<EventStream> stream;
  {
    absl::MutexLock lock(&mu_);
    auto it = sessions_.find(worker_name);
    if (it != sessions_.end()) stream = it->second.stream;
  }
  if (!stream) {
    written(false);
    return;
  }
  stream->Send(std::move(event), std::move(written));
}

std::vector<std::string> WorkerRegistry::ConnectedWorkers() const {
  std::vector<std::string> names;
  absl::MutexLock lock(&mu_);
  names.reserve(sessions_.size());
  for (const auto& entry : sessions_) names.push_back(entry.first);
  return names;
}

std::vector<SessionView> WorkerRegistry::Sessions() const {
  std::vector<SessionView> out;
  absl::MutexLock lock(&mu_);
  out.reserve(sessions_.size());
  for (const auto& [name, s] : sessions_) {
    out.push_back(SessionView{name, s.info, s.state, s.reported_free, s.stalled});
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> WorkerRegistry::TokenSessions() const {
  std::vector<std::pair<std::string, std::string>> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [name, s] : sessions_) {
    if (!s.info.token_sha256.empty()) out.emplace_back(name, s.info.token_sha256);
  }
  return out;
}

void WorkerRegistry::End(const std::string& worker_name, const absl::Status& why) {
  std::shared_ptr<EventStream> stream;
  {
    absl::MutexLock lock(&mu_);
    auto it = sessions_.find(worker_name);
    if (it == sessions_.end()) return;
    Unindex(worker_name, it->second);
    stream = std::move(it->second.stream);
    sessions_.erase(it);
  }
  if (stream) stream->End(why);
}

size_t WorkerRegistry::size() const {
  absl::MutexLock lock(&mu_);
  return sessions_.size();
}

void WorkerRegistry::CancelAll() {
  std::vector<std::shared_ptr<EventStream>> streams;
  {
    absl::MutexLock lock(&mu_);
    for (auto& entry : sessions_) streams.push_back(entry.second.stream);
  }
  for (auto& stream : streams) stream->Cancel();
}

}  // namespace edgectl::controlplane
