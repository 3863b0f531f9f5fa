// File: controlplane/pg_sidecar_store.h
//
// SidecarStore and auth::TokenDirectory on PostgreSQL (libpqxx over a small connection pool).
// Timestamps cross the SQL boundary as integer microseconds since the epoch, so log_chunk_time
// values compare exactly. Every value is a bound parameter. AdaptToSchema() picks the job key of
// the database's edge3 revision: five coordinates before edge3 5.0 (a key with a non-empty
// task_instance_id then matches no row), plus task_instance_id from 5.0 on.
#ifndef EDGECTL_CONTROLPLANE_PG_SIDECAR_STORE_H_
#define EDGECTL_CONTROLPLANE_PG_SIDECAR_STORE_H_

#include <string>

#include "controlplane/auth/token_directory.h"
#include "controlplane/pg_connection_pool.h"
#include "controlplane/sidecar_store.h"

namespace edgectl::controlplane {

class PgSidecarStore final : public SidecarStore, public auth::TokenDirectory {
 public:
  PgSidecarStore(std::string libpq_dsn, size_t pool_size)
      : pool_(std::move(libpq_dsn), pool_size) {}

  absl::StatusOr<std::vector<QueuedWork>> QueuedWorkByQueue() override;
  absl::StatusOr<bool> RequeueJob(const bridge::JobKey& key,
                                  const std::string& worker_name) override;
  absl::StatusOr<ClaimResult> ConfirmClaim(const bridge::JobKey& key,
                                           const std::string& worker_name) override;
  absl::StatusOr<int> RequeueStaleClaims(absl::Duration age) override;
  absl::StatusOr<std::optional<JobRow>> GetJob(const bridge::JobKey& key) override;
  absl::StatusOr<std::vector<StoredLogSlice>> StoredLogSlices(const bridge::JobKey& key,
                                                              absl::Time from,
                                                              absl::Time to) override;
  absl::StatusOr<bool> ReleaseStaleRegistration(const std::string& worker_name,
                                                const std::string& previous_instance) override;
  absl::StatusOr<std::optional<WorkerRow>> GetWorker(const std::string& worker_name) override;
  absl::StatusOr<std::vector<WorkerRow>> GetWorkers(
      const std::vector<std::string>& worker_names) override;
  absl::Status Ping() override;
  absl::Status AdaptToSchema() override;

  absl::StatusOr<std::optional<std::string>> WorkerForToken(
      const std::string& token_sha256) override;
  absl::StatusOr<std::set<std::string>> IssuedTokens(
      const std::vector<std::string>& token_sha256s) override;

 private:
  PgConnectionPool pool_;
  // Set once by AdaptToSchema(), before any other call.
  bool task_instance_ids_ = true;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_PG_SIDECAR_STORE_H_
