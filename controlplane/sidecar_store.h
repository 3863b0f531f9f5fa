// File: controlplane/sidecar_store.h
//
// What the sidecar reads and writes in Airflow's metadata database directly (everything else
// goes through the REST edge API). An interface so domain classes can be tested without
// PostgreSQL; PgSidecarStore (pg_sidecar_store.h) is the real one. All methods are safe to call
// from many threads and return UNAVAILABLE when the database cannot be reached.
#ifndef EDGECTL_CONTROLPLANE_SIDECAR_STORE_H_
#define EDGECTL_CONTROLPLANE_SIDECAR_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bridge/edge_api.h"

namespace edgectl::controlplane {

// Queued work of one queue, as the dispatcher needs it to pick workers.
struct QueuedWork {
  std::string queue;
  int min_concurrency_slots = 1;
  int jobs = 0;
};

// The columns of an edge_worker row the sidecar forwards to workers.
struct WorkerRow {
  std::string worker_name;
  std::string state;
  std::optional<std::vector<std::string>> queues;  // nullopt = all queues
  std::optional<std::string> maintenance_comment;
  std::optional<int> concurrency;
};

// An edge_job row as far as ownership goes.
struct JobRow {
  std::string state;
  std::string edge_worker;  // "" when NULL
};

// How a claim was decided (protocol "Exactly once", docs/ARCHITECTURE.md).
struct ClaimResult {
  bool granted = false;
  std::string state;   // the row's state after the decision ("" when the row is gone)
  std::string worker;  // the row's edge_worker ("" when NULL or gone)
  // When this decision confirmed the claim: how long the job had been queued (queued_dttm to
  // now, on the database's clock). Unset for a repeated ask or an unknown queued_dttm.
  std::optional<absl::Duration> queued_for;
};

// A log slice edge_logs already holds.
struct StoredLogSlice {
  absl::Time chunk_time;
  std::string data;
};

class SidecarStore {
 public:
  virtual ~SidecarStore() = default;

  // One indexed query for the whole fleet: per queue, the number of queued jobs and the
  // smallest concurrency_slots among them.
  virtual absl::StatusOr<std::vector<QueuedWork>> QueuedWorkByQueue() = 0;

  // Puts a dispatched job back to queued, only while it is still an unconfirmed claim of
  // `worker_name` (state 'restarting'); a confirmed ('running') job is never taken back.
  // One conditional UPDATE: it and ConfirmClaim cannot both win. Returns whether a row changed.
  virtual absl::StatusOr<bool> RequeueJob(const bridge::JobKey& key,
                                          const std::string& worker_name) = 0;

  // Confirms `worker_name`'s claim: 'restarting' by that worker -> 'running' (one conditional
  // UPDATE). Also granted when the row is already 'running' for that worker (a repeated ask).
  virtual absl::StatusOr<ClaimResult> ConfirmClaim(const bridge::JobKey& key,
                                                   const std::string& worker_name) = 0;

  // Unconfirmed claims ('restarting') of edgectl workers (sysinfo has edgectl_version) whose
  // last_update is older than `age` (PostgreSQL's clock) go back to 'queued'. Covers claims whose
  // dispatching sidecar died. Returns how many rows changed.
  virtual absl::StatusOr<int> RequeueStaleClaims(absl::Duration age) = 0;

  // The job's state and owner; nullopt when there is no such row.
  virtual absl::StatusOr<std::optional<JobRow>> GetJob(const bridge::JobKey& key) = 0;

  // edge_logs rows of this task try with log_chunk_time within [from, to].
  virtual absl::StatusOr<std::vector<StoredLogSlice>> StoredLogSlices(const bridge::JobKey& key,
                                                                      absl::Time from,
                                                                      absl::Time to) = 0;

  // A crashed worker's stale registration: when the row is still active and its sysinfo's
  // edgectl_instance equals `previous_instance`, mark it as Airflow's liveness check would
  // ('offline maintenance' from a maintenance state, else 'unknown') so the restarted process
  // can register. Returns whether the row changed.
  virtual absl::StatusOr<bool> ReleaseStaleRegistration(const std::string& worker_name,
                                                        const std::string& previous_instance) = 0;

  virtual absl::StatusOr<std::optional<WorkerRow>> GetWorker(const std::string& worker_name) = 0;
  // Rows of the named workers (one query); names without a row are left out.
  virtual absl::StatusOr<std::vector<WorkerRow>> GetWorkers(
      const std::vector<std::string>& worker_names) = 0;

  // OK when the database answers a trivial query.
  virtual absl::Status Ping() = 0;

  // Called once before serving: reads which edge3 schema revision the database has and adapts
  // to it (db/schema_revision.h), or FAILED_PRECONDITION naming the revision found and the
  // supported ones. Stores without a real schema have nothing to check.
  virtual absl::Status AdaptToSchema() { return absl::OkStatus(); }
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_SIDECAR_STORE_H_
