// File: controlplane/admin/worker_admin.h
//
// The central admin operations on edge3's edge_worker table, as edge3's model functions perform
// them through Airflow's DB session (models/edge_worker.py), on a libpqxx connection:
//   List                      get_registered_edge_hosts(states, worker_name_pattern, queues)
//   RequestMaintenance        request_maintenance      ExitMaintenance   exit_maintenance
//   UpdateMaintenanceComment  change_maintenance_comment
//   RequestShutdown           request_shutdown         RequestShutdownAll shutdown-all-workers
//   Remove                    remove_worker
//   AddQueues / RemoveQueues  add_worker_queues / remove_worker_queues
//   SetConcurrency            set_worker_concurrency
// Preconditions are admin_transitions.h's. Every change runs in one transaction that first locks
// the worker's row (SELECT ... FOR UPDATE), so a concurrent admin command or a worker heartbeat
// (an UPDATE of the same row) waits instead of overwriting this change or being overwritten.
// Every value travels as a bound parameter.
//
// Errors: NOT_FOUND "Edge Worker <name> is unknown!", FAILED_PRECONDITION (state does not allow
// the change; tables missing), INVALID_ARGUMENT (bad queue names / concurrency), UNAVAILABLE
// (connection lost). Not thread-safe: one WorkerAdmin per connection per thread.
#ifndef EDGECTL_CONTROLPLANE_ADMIN_WORKER_ADMIN_H_
#define EDGECTL_CONTROLPLANE_ADMIN_WORKER_ADMIN_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controlplane/admin/admin_transitions.h"
#include "pqxx/pqxx"

namespace edgectl::admin {

// One edge_worker row as list-workers shows it.
struct WorkerRecord {
  std::string worker_name;
  std::string state;
  std::optional<std::vector<std::string>> queues;  // nullopt: NULL, the worker serves all queues
  int jobs_active = 0;
  // From sysinfo, as edge3 prints them (Python str() of the JSON value); nullopt when absent.
  std::optional<std::string> concurrency;
  std::optional<std::string> free_concurrency;
  std::optional<std::string> maintenance_comment;
  std::optional<int> concurrency_override;  // edge_worker.concurrency (set-worker-concurrency)
  // Seconds since the epoch (the fleet page shows them; list-workers prints the age).
  std::optional<double> first_online;
  std::optional<double> last_update;  // the last heartbeat (or state change)
  // now() - last_update on the database's clock, so no client clock skew enters it.
  std::optional<double> heartbeat_age_seconds;
  // From sysinfo; nullopt when absent (edge3's own workers send no edgectl_version).
  std::optional<std::string> airflow_version;
  std::optional<std::string> edge_provider_version;
  std::optional<std::string> edgectl_version;
};

struct WorkerFilter {
  std::vector<std::string> states;           // empty: any state
  std::optional<std::string> name_glob;      // `*` / `?` wildcards, everything else literal
  std::vector<std::string> queues;           // any-of; workers serving all queues match too
};

struct ShutdownAllResult {
  std::vector<std::string> requested;        // now in "shutdown request"
  std::vector<std::string> already_offline;  // offline / unknown / offline maintenance: unchanged
};

class WorkerAdmin {
 public:
  explicit WorkerAdmin(pqxx::connection& conn) : conn_(conn) {}

  absl::StatusOr<std::vector<WorkerRecord>> List(const WorkerFilter& filter);

  absl::Status RequestMaintenance(const std::string& name, const std::string& comment);
  absl::Status ExitMaintenance(const std::string& name);
  absl::Status UpdateMaintenanceComment(const std::string& name, const std::string& comment);
  // Returns the decision: kApply (now "shutdown request") or kNoOp (worker not running).
  absl::StatusOr<AdminDecision> RequestShutdown(const std::string& name);
  absl::StatusOr<ShutdownAllResult> RequestShutdownAll();
  absl::Status Remove(const std::string& name);
  absl::Status AddQueues(const std::string& name, const std::vector<std::string>& queues);
  absl::Status RemoveQueues(const std::string& name, const std::vector<std::string>& queues);
  absl::Status SetConcurrency(const std::string& name, int concurrency);

 private:
  struct LockedWorker {
    std::string state;
    std::optional<std::string> queues_text;
  };
  // Applies `change` to the locked row when Decide() allows `action`; commits only if it is OK.
  using Change = std::function<absl::Status(pqxx::work&, const LockedWorker&,
                                            const AdminDecision&)>;
  absl::StatusOr<AdminDecision> WithLockedWorker(AdminAction action, const std::string& name,
                                                 const Change& change);

  pqxx::connection& conn_;
};

// Validates names given on the command line: non-empty, at most 256 characters (edge3's limit and
// edge_job.queue's width).
absl::Status ValidateQueueNames(const std::vector<std::string>& queues);

}  // namespace edgectl::admin

#endif  // EDGECTL_CONTROLPLANE_ADMIN_WORKER_ADMIN_H_
