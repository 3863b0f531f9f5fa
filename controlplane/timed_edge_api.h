// File: controlplane/timed_edge_api.h
//
// A bridge::EdgeApi decorator that times every call and records its latency and outcome in
// Metrics under the endpoint's name (register, set_state, update_queues, jobs_fetch, jobs_state,
// logfile_path, logs_push, health). It changes no result.
#ifndef EDGECTL_CONTROLPLANE_TIMED_EDGE_API_H_
#define EDGECTL_CONTROLPLANE_TIMED_EDGE_API_H_

#include <memory>

#include "bridge/edge_api.h"
#include "controlplane/metrics.h"

namespace edgectl::controlplane {

class TimedEdgeApi final : public bridge::EdgeApi {
 public:
  TimedEdgeApi(std::shared_ptr<bridge::EdgeApi> inner, Metrics& metrics)
      : inner_(std::move(inner)), metrics_(metrics) {}

  absl::StatusOr<bridge::WorkerRegistrationReturn> RegisterWorker(
      const std::string& worker_name, const bridge::WorkerStateBody& body) override;
  absl::StatusOr<bridge::WorkerSetStateReturn> SetState(
      const std::string& worker_name, const bridge::WorkerStateBody& body) override;
  absl::Status UpdateQueues(const std::string& worker_name,
                            const std::optional<std::vector<std::string>>& new_queues,
                            const std::optional<std::vector<std::string>>& remove_queues) override;
  absl::StatusOr<std::optional<bridge::EdgeJobFetched>> FetchJob(
      const std::string& worker_name, const bridge::FetchRequest& request) override;
  absl::Status SetJobState(const bridge::JobKey& key, const std::string& state) override;
  absl::StatusOr<std::string> LogfilePath(const bridge::JobKey& key) override;
  absl::Status PushLogs(const bridge::JobKey& key, absl::Time log_chunk_time,
                        const std::string& log_chunk_data) override;
  absl::StatusOr<std::map<std::string, std::string>> Health() override;

 private:
  template <typename Call>
  auto Timed(const char* endpoint, Call&& call);

  std::shared_ptr<bridge::EdgeApi> inner_;
  Metrics& metrics_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_TIMED_EDGE_API_H_
