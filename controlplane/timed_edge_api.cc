#include "controlplane/timed_edge_api.h"

#include "absl/time/clock.h"

namespace edgectl::controlplane {
namespace {

const absl::Status& StatusOf(const absl::Status& s) { return s; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace

template <typename Call>
auto TimedEdgeApi::Timed(const char* endpoint, Call&& call) {
  const absl::Time start = absl::Now();
  auto result = call();
  metrics_.RecordRestCall(endpoint, absl::Now() - start, StatusOf(result));
  return result;
}

absl::StatusOr<bridge::WorkerRegistrationReturn> TimedEdgeApi::RegisterWorker(
    const std::string& worker_name, const bridge::WorkerStateBody& body) {
  return Timed("register", [&] { return inner_->RegisterWorker(worker_name, body); });
}

absl::StatusOr<bridge::WorkerSetStateReturn> TimedEdgeApi::SetState(
    const std::string& worker_name, const bridge::WorkerStateBody& body) {
  return Timed("set_state", [&] { return inner_->SetState(worker_name, body); });
}

absl::Status TimedEdgeApi::UpdateQueues(
    const std::string& worker_name, const std::optional<std::vector<std::string>>& new_queues,
    const std::optional<std::vector<std::string>>& remove_queues) {
  return Timed("update_queues",
               [&] { return inner_->UpdateQueues(worker_name, new_queues, remove_queues); });
}

absl::StatusOr<std::optional<bridge::EdgeJobFetched>> TimedEdgeApi::FetchJob(
    const std::string& worker_name, const bridge::FetchRequest& request) {
  return Timed("jobs_fetch", [&] { return inner_->FetchJob(worker_name, request); });
}

absl::Status TimedEdgeApi::SetJobState(const bridge::JobKey& key, const std::string& state) {
  return Timed("jobs_state", [&] { return inner_->SetJobState(key, state); });
}

absl::StatusOr<std::string> TimedEdgeApi::LogfilePath(const bridge::JobKey& key) {
  return Timed("logfile_path", [&] { return inner_->LogfilePath(key); });
}

absl::Status TimedEdgeApi::PushLogs(const bridge::JobKey& key, absl::Time log_chunk_time,
                                    const std::string& log_chunk_data) {
  return Timed("logs_push",
               [&] { return inner_->PushLogs(key, log_chunk_time, log_chunk_data); });
}

absl::StatusOr<std::map<std::string, std::string>> TimedEdgeApi::Health() {
  return Timed("health", [&] { return inner_->Health(); });
}

}  // namespace edgectl::controlplane
