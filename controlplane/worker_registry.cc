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
    replaced = std::move(s.stream);
    id = next_id_++;
    s = Session{id,    connect_order, std::move(stream), std::move(queues), state,
                free_concurrency, /*fetch_in_flight=*/false, /*stalled=*/false, std::move(info)};
  }
  if (replaced) replaced->Cancel();
  return id;
}

void WorkerRegistry::Detach(const std::string& worker_name, uint64_t session_id) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(worker_name);
  if (it != sessions_.end() && it->second.id == session_id) sessions_.erase(it);
}

void WorkerRegistry::UpdateFreeConcurrency(const std::string& worker_name, int free_concurrency) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(worker_name);
  if (it == sessions_.end()) return;
  it->second.reported_free = free_concurrency;
  it->second.stalled = false;
}

void WorkerRegistry::MarkStalled(const std::string& worker_name) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(worker_name);
  if (it != sessions_.end()) it->second.stalled = true;
}


void WorkerRegistry::UpdateView(const std::string& worker_name, const std::string& state,
                                QueueSet queues) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(worker_name);
  if (it == sessions_.end()) return;
  it->second.state = state;
  it->second.queues = std::move(queues);
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
  it->second.fetch_in_flight = true;
  return true;
}

void WorkerRegistry::EndFetch(const std::string& worker_name) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(worker_name);
  if (it != sessions_.end()) it->second.fetch_in_flight = false;
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
