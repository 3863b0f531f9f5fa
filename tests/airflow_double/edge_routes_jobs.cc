// jobs/fetch/{name} and jobs/state/{dag}/{task}/{run}/{try}/{map}/{state}.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/airflow_double/edge_routes_internal.h"

namespace edgectl::airflow_double {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Airflow's TaskInstanceState values.
const std::vector<std::string>& TaskInstanceStates() {
  static const auto* states = new std::vector<std::string>{
      "removed", "scheduled", "queued", "running", "success", "restarting", "failed",
      "up_for_retry", "up_for_reschedule", "upstream_failed", "skipped", "deferred"};
  return *states;
}

// The sixth key part, $6: task_instance_id from edge3 5.0 on; before, no such column (and $6,
// always '', only keeps the parameter list alike).
std::string KeyColumn(const EdgeRoutesOptions& options) {
  return options.task_instance_ids ? "task_instance_id = $6" : "$6::text = ''";
}

// edge3's callback rows (models/types.py): four identity fields together.
constexpr char kIsCallback[] =
    "(dag_id = 'ExecuteCallback' AND run_id = 'ExecuteCallback-' || task_id "
    "AND try_number = 0 AND map_index = -1)";

std::string CandidateQuery(pqxx::work& tx, const EdgeRoutesOptions& options,
                           const std::optional<std::vector<std::string>>& queues,
                           const std::optional<std::string>& team, bool callbacks) {
  std::string sql = absl::StrCat(
      "SELECT dag_id, task_id, run_id, map_index, try_number, command, concurrency_slots, ",
      options.task_instance_ids ? "task_instance_id" : "''",
      " FROM edge_job WHERE state = 'queued' AND concurrency_slots <= $1 AND ",
      callbacks ? "" : "NOT ", kIsCallback);
  if (queues.has_value() && !queues->empty()) {
    absl::StrAppend(&sql, " AND queue IN (", absl::StrJoin(*queues, ", ", [&tx](std::string* out, const std::string& q) {
                      absl::StrAppend(out, tx.quote(q));
                    }), ")");
  }
  if (team.has_value()) absl::StrAppend(&sql, " AND team_name = ", tx.quote(*team));
  absl::StrAppend(&sql,
                  callbacks || !options.priority_weight ? " ORDER BY queued_dttm"
                                                        : " ORDER BY priority_weight DESC, queued_dttm",
                  " LIMIT 1 FOR UPDATE SKIP LOCKED");
  return sql;
}

ordered_json FetchedJob(const pqxx::row& row, bool task_instance_ids) {
  ordered_json job;
  job["dag_id"] = row[0].as<std::string>();
  job["task_id"] = row[1].as<std::string>();
  job["run_id"] = row[2].as<std::string>();
  job["map_index"] = row[3].as<int>();
  job["try_number"] = row[4].as<int>();
  job["command"] = ordered_json::parse(row[5].as<std::string>());  // throws -> 500, as Airflow
  job["concurrency_slots"] = row[6].as<int>();
  if (task_instance_ids) {  // EdgeJobFetched has the field from edge3 5.0 on
    const std::string uuid = row[7].as<std::string>();
    job["task_instance_id"] = uuid.empty() ? ordered_json(nullptr) : ordered_json(uuid);
  }
  return job;
}

}  // namespace

Reply EdgeRoutes::Fetch(const std::string& worker_name, const std::string& text) {
  BodyValidator v(text);
  const std::optional<std::vector<std::string>> queues = v.OptionalStringList("queues");
  const int free_concurrency = v.RequiredInt("free_concurrency");
  v.OptionalString("team_name");  // validated, then ignored: the registered team counts
  // Before edge3 5.0 the body model has no such field; pydantic ignores it.
  const bool supports_uuid = v.OptionalBool("supports_task_instance_uuid", false);
  if (!v.ok()) return v.ErrorReply();
  return InTransaction("fetch", [&](pqxx::work& tx) {
    pqxx::result worker =
        tx.exec_params("SELECT team_name FROM edge_worker WHERE worker_name = $1", worker_name);
    if (worker.empty()) return DetailReply(404, "Worker not found");
    std::optional<std::string> team;
    if (!worker[0][0].is_null()) team = worker[0][0].as<std::string>();
    pqxx::result rows =
        tx.exec_params(CandidateQuery(tx, options_, queues, team, true), free_concurrency);
    if (rows.empty()) {
      rows = tx.exec_params(CandidateQuery(tx, options_, queues, team, false), free_concurrency);
    }
    if (rows.empty()) return Reply{};
    const pqxx::row row = rows[0];
    if (!row[7].as<std::string>().empty() && !supports_uuid) {
      return DetailReply(409, "Upgrade this Edge worker to report task-instance UUIDs.");
    }
    tx.exec_params("UPDATE edge_job SET state = $7, edge_worker = $8, last_update = $9::timestamptz "
                   "WHERE dag_id = $1 AND task_id = $2 AND run_id = $3 AND map_index = $4 AND "
                   "try_number = $5 AND " + KeyColumn(options_),
                   row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<int>(), row[4].as<int>(), row[7].as<std::string>(),
                   options_.claimed_job_state, worker_name, NowText());
    ordered_json job = FetchedJob(row, options_.task_instance_ids);
    tx.commit();
    return JsonReply(job);
  });
}

Reply EdgeRoutes::JobState(const bridge::JobKey& key, const std::string& state,
                           const std::string& text) {
  std::string uuid;
  // edge3 5.0: optional {"task_instance_id": ...}; usually no body. Before 5.0 the route has no
  // body parameter: FastAPI never reads one.
  if (!text.empty() && options_.task_instance_ids) {
    BodyValidator v(text);
    uuid = v.OptionalString("task_instance_id").value_or("");
    if (!v.ok()) return v.ErrorReply();
  }
  const auto& allowed = TaskInstanceStates();
  if (std::find(allowed.begin(), allowed.end(), state) == allowed.end()) {
    ordered_json detail = ordered_json::array();
    detail.push_back({{"type", "enum"}, {"loc", {"path", "state"}},
                      {"msg", absl::StrCat("Input should be one of ", absl::StrJoin(allowed, ", "))},
                      {"input", state}});
    return JsonReply(ordered_json{{"detail", detail}}, 422);
  }
  return InTransaction("jobs/state", [&](pqxx::work& tx) {
    pqxx::result rows = tx.exec_params(
        "SELECT 1 FROM edge_job WHERE dag_id = $1 AND task_id = $2 AND run_id = $3 AND "
        "map_index = $4 AND try_number = $5 AND " + KeyColumn(options_) + " FOR UPDATE",
        key.dag_id, key.task_id, key.run_id, key.map_index, key.try_number, uuid);
    if (rows.empty()) return Reply{};  // edge3 ignores unknown jobs
    tx.exec_params("UPDATE edge_job SET state = $7, last_update = $8::timestamptz WHERE dag_id = $1 "
                   "AND task_id = $2 AND run_id = $3 AND map_index = $4 AND try_number = $5 AND " +
                       KeyColumn(options_),
                   key.dag_id, key.task_id, key.run_id, key.map_index, key.try_number, uuid, state,
                   NowText());
    tx.commit();
    return Reply{};
  });
}

}  // namespace edgectl::airflow_double
