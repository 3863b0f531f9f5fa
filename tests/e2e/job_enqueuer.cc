#include "tests/e2e/job_enqueuer.h"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "controlplane/db/pg_status.h"
#include "controlplane/db/schema_revision.h"
#include "tests/airflow_double/execution_token.h"

namespace edgectl::e2e {
namespace {

std::string Uuid4() {
  static absl::BitGen gen;
  uint64_t hi = absl::Uniform<uint64_t>(gen), lo = absl::Uniform<uint64_t>(gen);
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff,
                         lo >> 48, lo & 0xffffffffffffULL);
}

}  // namespace

std::string DefaultLogPath(const TaskSpec& spec) {
  // [core] log_filename_template default in Airflow 3.
  return absl::StrCat("dag_id=", spec.dag_id, "/run_id=", spec.run_id, "/task_id=", spec.task_id,
                      spec.map_index >= 0 ? absl::StrCat("/map_index=", spec.map_index) : "",
                      "/attempt=", spec.try_number, ".log");
}

namespace {

QueuedJob Workload(const TaskSpec& spec) {
  QueuedJob job;
  job.task_instance_id = Uuid4();
  job.log_path = DefaultLogPath(spec);
  nlohmann::json workload = {
      {"token", spec.token_secret.empty()
                    ? "workload-token-" + job.task_instance_id
                    : airflow_double::MintTaskToken(spec.token_secret, job.task_instance_id,
                                                    "workload", absl::Hours(1))},
      {"ti",
       {{"id", job.task_instance_id},
        {"dag_version_id", Uuid4()},
        {"task_id", spec.task_id},
        {"dag_id", spec.dag_id},
        {"run_id", spec.run_id},
        {"try_number", spec.try_number},
        {"map_index", spec.map_index},
        {"pool_slots", spec.pool_slots},
        {"queue", spec.queue},
        {"priority_weight", spec.priority_weight},
        {"parent_context_carrier", nlohmann::json::object()},
        {"context_carrier", nlohmann::json::object()}}},
      {"dag_rel_path", spec.dag_id + ".py"},
      {"bundle_info",
       {{"name", "dags-folder"},
        {"version", nullptr}}},
      {"log_path", job.log_path},
      {"sentry_integration", ""},
      {"type", "ExecuteTask"},
  };
  if (!spec.standin.is_null()) workload["standin"] = spec.standin;
  job.command = workload.dump();
  return job;
}

// As the EdgeExecutor of the database's edge3 version writes the row: task_instance_id from
// 5.0 on, priority_weight where the (unreleased) column exists.
void InsertRow(pqxx::work& tx, const db::DetectedSchema& schema, const TaskSpec& spec,
               const QueuedJob& job) {
  std::string columns, values;
  if (schema.has_task_instance_id) {
    columns += ", task_instance_id";
    values += ", " + tx.quote(job.task_instance_id);
  }
  if (schema.has_priority_weight) {
    columns += ", priority_weight";
    values += ", " + tx.quote(spec.priority_weight);
  }
  tx.exec_params0(
      absl::StrCat("INSERT INTO edge_job (dag_id, task_id, run_id, map_index, try_number, state, "
                   "queue, concurrency_slots, command, queued_dttm, last_update", columns,
                   ") VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8, now(), now()", values,
                   ")"),
      spec.dag_id, spec.task_id, spec.run_id, spec.map_index, spec.try_number, spec.queue,
      spec.pool_slots, job.command);
}

}  // namespace

absl::StatusOr<QueuedJob> EnqueueTask(const std::string& dsn, const TaskSpec& spec) {
  absl::StatusOr<std::vector<QueuedJob>> jobs = EnqueueTasks(dsn, {spec});
  if (!jobs.ok()) return jobs.status();
  return std::move(jobs->front());
}

absl::StatusOr<std::vector<QueuedJob>> EnqueueTasks(const std::string& dsn,
                                                    const std::vector<TaskSpec>& specs) {
  std::vector<QueuedJob> jobs;
  jobs.reserve(specs.size());
  for (const TaskSpec& spec : specs) jobs.push_back(Workload(spec));
  absl::Status st = db::RunPg("enqueue job", [&] {
    pqxx::connection conn(dsn);
    pqxx::work tx(conn);
    const db::DetectedSchema schema = db::DetectSchemaIn(tx);
    for (size_t i = 0; i < specs.size(); ++i) InsertRow(tx, schema, specs[i], jobs[i]);
    tx.commit();
  });
  if (!st.ok()) return st;
  return jobs;
}

}  // namespace edgectl::e2e
