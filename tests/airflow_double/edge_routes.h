// File: tests/airflow_double/edge_routes.h
//
// The server side of edge3's worker API (worker_api/routes/{worker,jobs,logs}.py) on the real
// edge3 tables, one method per endpoint, taking the decoded path parameters and the raw body and
// returning the reply Airflow would give (status and JSON). Authentication is the caller's job.
//
// Semantics kept from edge3: register checks versions before storing (400), refuses a duplicate
// (409) unless the stored worker is offline / unknown / offline maintenance; set_state stores
// first and then checks versions; the stored-state-wins and comment rules of
// worker_state_rules.h; queues as Python list repr text; sysinfo as JSON; fetch takes one queued
// job with SELECT ... FOR UPDATE SKIP LOCKED, callbacks first, then priority_weight DESC,
// queued_dttm, honouring free concurrency, the queue list (null or empty = all) and the worker's
// team; jobs/state updates state and last_update (unknown job: 200 null, as edge3); logs/push
// inserts an edge_logs row (and appends to base_log_folder when set).
//
// Choice: fetch marks the job `restarting` (edge3 5.0's routes/jobs.py: claimed, not yet
// confirmed by the worker's `running` report), not `running` as releases before 5.0 did; the
// control plane's lost-dispatch recovery relies on telling the two apart. Configurable.
// Airflow's task_instance table does not exist here: an edge_job row with the same coordinates
// stands in for "the task instance exists" (logfile_path, logs/push answer 404 otherwise).
#ifndef EDGECTL_TESTS_AIRFLOW_DOUBLE_EDGE_ROUTES_H_
#define EDGECTL_TESTS_AIRFLOW_DOUBLE_EDGE_ROUTES_H_

#include <optional>
#include <pqxx/pqxx>
#include <string>

#include <nlohmann/json.hpp>

#include "bridge/edge_api.h"
#include "tests/airflow_double/edge3_versions.h"
#include "tests/airflow_double/fastapi_replies.h"
#include "tests/airflow_double/pg_pool.h"

namespace edgectl::airflow_double {

struct EdgeRoutesOptions {
  std::string airflow_version;
  std::string edge_provider_version;
  std::optional<std::string> base_log_folder;
  std::string claimed_job_state = "restarting";
  // edge3 >= 5.0: jobs keyed by task_instance_id too (edge3_versions.h); false: coordinates only.
  bool task_instance_ids = true;
  // edge_job has the (unreleased) priority_weight column: fetch orders by it first.
  bool priority_weight = true;
  CommentMerge comment_merge = CommentMerge::kIfDifferent;
};

class EdgeRoutes {
 public:
  EdgeRoutes(PgPool* pool, EdgeRoutesOptions options) : pool_(pool), options_(std::move(options)) {}

  Reply Register(const std::string& worker_name, const std::string& body);
  Reply SetState(const std::string& worker_name, const std::string& body);
  Reply UpdateQueues(const std::string& worker_name, const std::string& body);
  Reply Fetch(const std::string& worker_name, const std::string& body);
  Reply JobState(const bridge::JobKey& key, const std::string& state, const std::string& body);
  Reply LogfilePath(const bridge::JobKey& key);
  Reply PushLogs(const bridge::JobKey& key, const std::string& body);

  // Airflow's default [logging] log_filename_template rendered for key.
  static std::string RenderLogFilename(const bridge::JobKey& key);

 private:
  // edge3's _assert_version: the 400 reply, or nullopt when the versions match.
  std::optional<Reply> VersionMismatch(const nlohmann::json& sysinfo) const;
  bool TaskInstanceExists(pqxx::work& tx, const bridge::JobKey& key) const;
  // The comment to store, by the version's rule (edge3_versions.h).
  std::optional<std::string> MergeComments(const std::string& new_state,
                                           const std::optional<std::string>& stored,
                                           const std::optional<std::string>& reported) const;
  void AppendToLogFile(const bridge::JobKey& key, const std::string& data) const;
  // Runs fn in one transaction; an exception becomes FastAPI's 500 (and a log line).
  template <typename Fn>
  Reply InTransaction(const char* what, Fn&& fn);

  PgPool* pool_;
  const EdgeRoutesOptions options_;
};

}  // namespace edgectl::airflow_double

#endif  // EDGECTL_TESTS_AIRFLOW_DOUBLE_EDGE_ROUTES_H_
