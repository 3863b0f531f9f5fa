// File: controlplane/web/fleet_queries.h
//
// The fleet page's reads of Airflow's metadata database, on one libpqxx connection. Workers come
// from admin::WorkerAdmin::List, the code behind `edgectl list-workers`, so the page and the
// admin command cannot disagree; jobs, job counts and logs are single read-only statements with
// bound parameters. Nothing here writes. Not thread-safe (FleetReader serialises its use).
#ifndef EDGECTL_CONTROLPLANE_WEB_FLEET_QUERIES_H_
#define EDGECTL_CONTROLPLANE_WEB_FLEET_QUERIES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controlplane/admin/worker_admin.h"
#include "pqxx/pqxx"

namespace edgectl::web {

// The edge_worker rows, and the database's clock when they were read (for heartbeat ages).
struct WorkerList {
  std::vector<admin::WorkerRecord> workers;
  double db_now = 0;  // seconds since the epoch
};

// Jobs table filters; empty = any. dag / worker / queue match a part of the value.
struct JobFilter {
  std::string state;
  std::string queue;
  std::string worker;
  std::string dag;
  int limit = 200;  // 1..1000
};

struct JobView {
  std::string dag_id;
  std::string task_id;
  std::string run_id;
  int map_index = -1;
  int try_number = 0;
  std::string state;
  std::string queue;
  int concurrency_slots = 1;
  std::optional<std::string> edge_worker;
  std::optional<double> queued_dttm;  // seconds since the epoch
  std::optional<double> last_update;
};

struct JobList {
  std::vector<JobView> jobs;  // newest queued first
  bool truncated = false;     // more rows match than `limit`
  double db_now = 0;
};

struct QueueBacklog {
  std::string queue;
  int64_t jobs = 0;
  double oldest_age_seconds = 0;
};

struct JobCounts {
  std::map<std::string, int64_t> by_state;
  std::vector<QueueBacklog> queued;  // per queue with queued jobs
};

// Identifies one job try's log.
struct JobRef {
  std::string dag_id;
  std::string task_id;
  std::string run_id;
  int map_index = -1;
  int try_number = 0;
};

// The part of a job's log (edge_logs rows in log_chunk_time order, concatenated) from byte
// `offset`; next_offset continues it. Slices end at row boundaries unless one row alone is
// larger than the cap.
struct LogSlice {
  std::string text;
  int64_t offset = 0;
  int64_t next_offset = 0;
  bool more = false;                     // stopped at the size cap; ask again at once
  std::optional<std::string> job_state;  // nullopt: no edge_job row
};

class FleetQueries {
 public:
  explicit FleetQueries(pqxx::connection& conn) : conn_(conn) {}

  absl::StatusOr<WorkerList> Workers();
  absl::StatusOr<JobList> Jobs(const JobFilter& filter);
  absl::StatusOr<JobCounts> Counts();
  absl::StatusOr<LogSlice> Log(const JobRef& job, int64_t offset, int64_t max_bytes);

 private:
  pqxx::connection& conn_;
};

}  // namespace edgectl::web

#endif  // EDGECTL_CONTROLPLANE_WEB_FLEET_QUERIES_H_
