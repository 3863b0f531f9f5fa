// File: tests/fakes/fake_sidecar_store.h
//
// An in-memory controlplane::SidecarStore for unit tests of the sidecar's domain classes:
// queued work and worker rows are set by the test, requeues and queries are recorded, and every
// method can be made to fail.
#ifndef EDGECTL_TESTS_FAKES_FAKE_SIDECAR_STORE_H_
#define EDGECTL_TESTS_FAKES_FAKE_SIDECAR_STORE_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "controlplane/sidecar_store.h"

namespace edgectl::testing {

class FakeSidecarStore final : public controlplane::SidecarStore {
 public:
  void SetQueuedWork(std::vector<controlplane::QueuedWork> work) {
    absl::MutexLock lock(&mu_);
    queued_ = std::move(work);
  }
  void SetWorker(controlplane::WorkerRow row) {
    absl::MutexLock lock(&mu_);
    workers_[row.worker_name] = std::move(row);
  }
  void FailWith(absl::Status status) {
    absl::MutexLock lock(&mu_);
    failure_ = std::move(status);
  }
  int queued_queries() const {
    absl::MutexLock lock(&mu_);
    return queued_queries_;
  }
  std::vector<std::pair<std::string, std::string>> requeued() const {  // (task_id, worker)
    absl::MutexLock lock(&mu_);
    return requeued_;
  }

  absl::StatusOr<std::vector<controlplane::QueuedWork>> QueuedWorkByQueue() override {
    absl::MutexLock lock(&mu_);
    ++queued_queries_;
    if (!failure_.ok()) return failure_;
    return queued_;
  }
  absl::StatusOr<bool> RequeueJob(const bridge::JobKey& key,
                                  const std::string& worker_name) override {
    absl::MutexLock lock(&mu_);
    if (!failure_.ok()) return failure_;
    requeued_.emplace_back(key.task_id, worker_name);
    return true;
  }
  absl::StatusOr<controlplane::ClaimResult> ConfirmClaim(const bridge::JobKey&,
                                                         const std::string& worker) override {
    absl::MutexLock lock(&mu_);
    if (!failure_.ok()) return failure_;
    ++claims_;
    return controlplane::ClaimResult{true, "running", worker};
  }
  absl::StatusOr<int> RequeueStaleClaims(absl::Duration) override {
    absl::MutexLock lock(&mu_);
    if (!failure_.ok()) return failure_;
    return 0;
  }
  absl::StatusOr<std::optional<controlplane::JobRow>> GetJob(const bridge::JobKey&) override {
    absl::MutexLock lock(&mu_);
    if (!failure_.ok()) return failure_;
    return std::optional<controlplane::JobRow>();
  }
  absl::StatusOr<std::vector<controlplane::StoredLogSlice>> StoredLogSlices(
      const bridge::JobKey&, absl::Time, absl::Time) override {
    return std::vector<controlplane::StoredLogSlice>{};
  }
  absl::StatusOr<bool> ReleaseStaleRegistration(const std::string&,
                                                const std::string&) override {
    return false;
  }
  int claims() const {
    absl::MutexLock lock(&mu_);
    return claims_;
  }
  absl::StatusOr<std::optional<controlplane::WorkerRow>> GetWorker(
      const std::string& worker_name) override {
    absl::MutexLock lock(&mu_);
    if (!failure_.ok()) return failure_;
    auto it = workers_.find(worker_name);
    if (it == workers_.end()) return std::optional<controlplane::WorkerRow>();
    return std::optional<controlplane::WorkerRow>(it->second);
  }
  absl::StatusOr<std::vector<controlplane::WorkerRow>> GetWorkers(
      const std::vector<std::string>& names) override {
    absl::MutexLock lock(&mu_);
    if (!failure_.ok()) return failure_;
    std::vector<controlplane::WorkerRow> rows;
    for (const std::string& n : names) {
      auto it = workers_.find(n);
      if (it != workers_.end()) rows.push_back(it->second);
    }
    return rows;
  }
  absl::Status Ping() override {
    absl::MutexLock lock(&mu_);
    return failure_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<controlplane::QueuedWork> queued_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, controlplane::WorkerRow> workers_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, std::string>> requeued_ ABSL_GUARDED_BY(mu_);
  int queued_queries_ ABSL_GUARDED_BY(mu_) = 0;
  int claims_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::testing

#endif  // EDGECTL_TESTS_FAKES_FAKE_SIDECAR_STORE_H_
