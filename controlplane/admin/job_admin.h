// File: controlplane/admin/job_admin.h
//
// Reading edge3's job tables for operators, on a libpqxx connection: JobAdmin::List reads
// edge_job (what `edgectl list-jobs` prints: the jobs Airflow's EdgeExecutor queued and where
// they are), JobAdmin::ReadLog the text a job's log has in edge_logs (what `edgectl logs`
// prints), from a chunk time on, so a follower reads only what is new. Read-only; every value a
// bound parameter. Errors: FAILED_PRECONDITION (tables missing), UNAVAILABLE (connection lost),
// NOT_FOUND (no such job). Not thread-safe: one JobAdmin per connection per thread.
#ifndef EDGECTL_CONTROLPLANE_ADMIN_JOB_ADMIN_H_
#define EDGECTL_CONTROLPLANE_ADMIN_JOB_ADMIN_H_

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controlplane/admin/listing_output.h"

namespace edgectl::admin {

struct JobFilter {
  std::vector<std::string> states;  // empty: any
  std::optional<std::string> queue;
  std::optional<std::string> worker;
  std::optional<std::string> dag_id;
  int limit = 100;
};

// Identifies one try's log; try_number nullopt = the latest try edge_job or edge_logs knows.
struct LogKey {
  std::string dag_id, task_id, run_id;
  int map_index = -1;
  std::optional<int> try_number;
};

struct LogSlice {
  std::string text;       // the chunks after `after`, in time order
  std::string last_time;  // the newest chunk's log_chunk_time (as PostgreSQL prints it), or `after`
  int try_number = 0;
  std::optional<std::string> job_state;  // edge_job.state of that try; nullopt: no row
};

class JobAdmin {
 public:
  explicit JobAdmin(pqxx::connection& conn) : conn_(conn) {}

  // Newest queued first; columns in listing order (dag_id, task_id, run_id, map_index,
  // try_number, state, queue, edge_worker, queued_dttm, last_update).
  absl::StatusOr<std::vector<Record>> List(const JobFilter& filter);
  // The log's chunks with log_chunk_time after `after` ("" = from the start).
  absl::StatusOr<LogSlice> ReadLog(const LogKey& key, const std::string& after);

 private:
  pqxx::connection& conn_;
};

}  // namespace edgectl::admin

#endif  // EDGECTL_CONTROLPLANE_ADMIN_JOB_ADMIN_H_
