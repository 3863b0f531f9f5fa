// File: controlplane/maintenance_comment_relay.h
//
// A bridge::EdgeApi decorator that hands Airflow each maintenance comment of a worker once.
//
// Workers report their maintenance comment with every registration and heartbeat (edge3's
// worker echoes what the server returned). edge3's API server merges a reported comment into the
// stored one ("stored\n\nreported"): routes before edge3 3.6 on every call with a comment, newer
// ones whenever it differs from the stored text. So a comment reported again (an echo of the
// merged text, a repeat after the reply was lost, an echo that crosses an admin's comment
// update) would be stored twice or grow without bound. Here a comment goes out only when it
// differs both from what Airflow stores for the worker (the last set_state reply, or the
// database when none is known, e.g. after a restart of the sidecar) and from what this sidecar
// last delivered; otherwise the body carries null, which every edge3 version reads as "keep the
// stored comment". A comment is only remembered as delivered once the call succeeded, so a
// failed call is repeated with it. Thread-safe.
#ifndef EDGECTL_CONTROLPLANE_MAINTENANCE_COMMENT_RELAY_H_
#define EDGECTL_CONTROLPLANE_MAINTENANCE_COMMENT_RELAY_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "bridge/edge_api.h"

namespace edgectl::controlplane {

class MaintenanceCommentRelay final : public bridge::EdgeApi {
 public:
  // The comment Airflow stores for a worker (edge_worker.maintenance_comment; nullopt when NULL
  // or no row).
  using StoredCommentReader =
      std::function<absl::StatusOr<std::optional<std::string>>(const std::string& worker_name)>;

  MaintenanceCommentRelay(std::shared_ptr<bridge::EdgeApi> inner, StoredCommentReader read_stored)
      : inner_(std::move(inner)), read_stored_(std::move(read_stored)) {}

  absl::StatusOr<bridge::WorkerRegistrationReturn> RegisterWorker(
      const std::string& worker_name, const bridge::WorkerStateBody& body) override;
  absl::StatusOr<bridge::WorkerSetStateReturn> SetState(
      const std::string& worker_name, const bridge::WorkerStateBody& body) override;
  absl::Status UpdateQueues(const std::string& worker_name,
                            const std::optional<std::vector<std::string>>& new_queues,
                            const std::optional<std::vector<std::string>>& remove_queues) override {
    return inner_->UpdateQueues(worker_name, new_queues, remove_queues);
  }
  absl::StatusOr<std::optional<bridge::EdgeJobFetched>> FetchJob(
      const std::string& worker_name, const bridge::FetchRequest& request) override {
    return inner_->FetchJob(worker_name, request);
  }
  absl::Status SetJobState(const bridge::JobKey& key, const std::string& state) override {
    return inner_->SetJobState(key, state);
  }
  absl::StatusOr<std::string> LogfilePath(const bridge::JobKey& key) override {
    return inner_->LogfilePath(key);
  }
  absl::Status PushLogs(const bridge::JobKey& key, absl::Time log_chunk_time,
                        const std::string& log_chunk_data) override {
    return inner_->PushLogs(key, log_chunk_time, log_chunk_data);
  }
  absl::StatusOr<std::map<std::string, std::string>> Health() override {
    return inner_->Health();
  }

 private:
  struct Known {
    bool stored_known = false;
    std::optional<std::string> stored;     // what Airflow stores, when stored_known
    std::optional<std::string> delivered;  // the last comment this sidecar got accepted
  };

  // The comment to put into the body for `reported`.
  std::optional<std::string> ToSend(const std::string& worker_name,
                                    const std::optional<std::string>& reported,
                                    bool force_read_stored);
  void Delivered(const std::string& worker_name, const std::optional<std::string>& sent,
                 const std::optional<std::optional<std::string>>& stored_now);

  std::shared_ptr<bridge::EdgeApi> inner_;
  StoredCommentReader read_stored_;
  absl::Mutex mu_;
  std::map<std::string, Known> known_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_MAINTENANCE_COMMENT_RELAY_H_
