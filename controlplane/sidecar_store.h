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

class SidecarStore {
 public:
  virtual ~SidecarStore() = default;

  // One indexed query for the whole fleet: per queue, the number of queued jobs and the
  // smallest concurrency_slots among them.
  virtual absl::StatusOr<std::vector<QueuedWork>> QueuedWorkByQueue() = 0;

  // Puts a dispatched job back to queued, only while it is still claimed by `worker_name` and
  // in 'restarting' or 'running' (protocol contract §5). Returns whether a row changed.
  virtual absl::StatusOr<bool> RequeueJob(const bridge::JobKey& key,
                                          const std::string& worker_name) = 0;

  // log_chunk_time values of edge_logs rows of this task try within [from, to].
  virtual absl::StatusOr<std::vector<absl::Time>> LogChunkTimes(const bridge::JobKey& key,
                                                                absl::Time from,
                                                                absl::Time to) = 0;

  virtual absl::StatusOr<std::optional<WorkerRow>> GetWorker(const std::string& worker_name) = 0;
  // Rows of the named workers (one query); names without a row are left out.
  virtual absl::StatusOr<std::vector<WorkerRow>> GetWorkers(
      const std::vector<std::string>& worker_names) = 0;

  // OK when the database answers a trivial query.
  virtual absl::Status Ping() = 0;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_SIDECAR_STORE_H_
