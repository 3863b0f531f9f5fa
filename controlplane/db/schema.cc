#include "controlplane/db/schema.h"

#include "absl/strings/str_cat.h"

namespace edgectl::db {

// Types follow Airflow's conventions on PostgreSQL: String(n) -> VARCHAR(n), Airflow's TIMESTAMP
// type -> TIMESTAMP WITH TIME ZONE (migration 8c275b6fbaa8), sa.JSON -> json (c6b3c3d093fd).
// Primary keys are unnamed in the migrations, so PostgreSQL names them <table>_pkey, which
// edge3's later migrations rely on (f2a4b6c8d0e1 drops "edge_job_pkey").
std::vector<std::string> SchemaStatementsAt(const Edge3Revision& revision) {
  const std::string identity =
      revision.task_instance_id ? "    task_instance_id VARCHAR(36) DEFAULT '' NOT NULL,\n" : "";
  const std::string key = absl::StrCat("dag_id, task_id, run_id, map_index, try_number",
                                       revision.task_instance_id ? ", task_instance_id" : "");
  return {
      R"sql(CREATE TABLE IF NOT EXISTS edge_worker (
    worker_name VARCHAR(64) NOT NULL,
    state VARCHAR(20) NOT NULL,
    maintenance_comment VARCHAR(1024),
    queues VARCHAR(256),
    first_online TIMESTAMP WITH TIME ZONE,
    last_update TIMESTAMP WITH TIME ZONE,
    jobs_active INTEGER NOT NULL,
    sysinfo JSON,
    team_name VARCHAR(64),
    concurrency INTEGER,
    PRIMARY KEY (worker_name)
))sql",
      absl::StrCat(R"sql(CREATE TABLE IF NOT EXISTS edge_job (
    dag_id VARCHAR(250) NOT NULL,
    task_id VARCHAR(250) NOT NULL,
    run_id VARCHAR(250) NOT NULL,
    map_index INTEGER DEFAULT -1 NOT NULL,
    try_number INTEGER NOT NULL,
    state VARCHAR(20) NOT NULL,
    queue VARCHAR(256) NOT NULL,
    concurrency_slots INTEGER NOT NULL,
    command )sql",
                   revision.command_text ? "TEXT" : "VARCHAR(2048)", R"sql( NOT NULL,
    queued_dttm TIMESTAMP WITH TIME ZONE,
    edge_worker VARCHAR(64),
    last_update TIMESTAMP WITH TIME ZONE,
    team_name VARCHAR(64),
)sql",
                   identity, "    PRIMARY KEY (", key, ")\n)"),
      "CREATE INDEX IF NOT EXISTS rj_order ON edge_job (state, queued_dttm, queue)",
      R"sql(CREATE TABLE IF NOT EXISTS edge_logs (
    dag_id VARCHAR(250) NOT NULL,
    task_id VARCHAR(250) NOT NULL,
    run_id VARCHAR(250) NOT NULL,
    map_index INTEGER DEFAULT -1 NOT NULL,
    try_number INTEGER NOT NULL,
    log_chunk_time TIMESTAMP WITH TIME ZONE NOT NULL,
    log_chunk_data TEXT NOT NULL,
    PRIMARY KEY (dag_id, task_id, run_id, map_index, try_number, log_chunk_time)
))sql",
      R"sql(CREATE TABLE IF NOT EXISTS alembic_version_edge3 (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_edge3_pkc PRIMARY KEY (version_num)
))sql",
      absl::StrCat("INSERT INTO alembic_version_edge3 (version_num) VALUES ('", revision.revision,
                   "')"),
  };
}

const std::vector<std::string>& PriorityWeightVariantStatements() {
  static const auto* statements = new std::vector<std::string>{
      "ALTER TABLE edge_job ADD COLUMN IF NOT EXISTS priority_weight INTEGER DEFAULT 1 NOT NULL",
      "DROP INDEX IF EXISTS rj_order",
      "CREATE INDEX rj_order ON edge_job (state, priority_weight DESC, queued_dttm, queue)",
  };
  return *statements;
}

std::vector<ColumnSpec> ExpectedColumnsAt(const Edge3Revision& revision) {
  static const char kVarchar[] = "character varying";
  static const char kInt[] = "integer";
  static const char kTs[] = "timestamp with time zone";
  static const char kText[] = "text";
  std::vector<ColumnSpec> columns = {
      {"edge_worker", "worker_name", kVarchar, 64, false, ""},
      {"edge_worker", "state", kVarchar, 20, false, ""},
      {"edge_worker", "maintenance_comment", kVarchar, 1024, true, ""},
      {"edge_worker", "queues", kVarchar, 256, true, ""},
      {"edge_worker", "first_online", kTs, 0, true, ""},
      {"edge_worker", "last_update", kTs, 0, true, ""},
      {"edge_worker", "jobs_active", kInt, 0, false, ""},
      {"edge_worker", "sysinfo", "json", 0, true, ""},
      {"edge_worker", "team_name", kVarchar, 64, true, ""},
      {"edge_worker", "concurrency", kInt, 0, true, ""},
      {"edge_job", "dag_id", kVarchar, 250, false, ""},
      {"edge_job", "task_id", kVarchar, 250, false, ""},
      {"edge_job", "run_id", kVarchar, 250, false, ""},
      {"edge_job", "map_index", kInt, 0, false, "'-1'::integer"},
      {"edge_job", "try_number", kInt, 0, false, ""},
      {"edge_job", "state", kVarchar, 20, false, ""},
      {"edge_job", "queue", kVarchar, 256, false, ""},
      {"edge_job", "concurrency_slots", kInt, 0, false, ""},
      revision.command_text ? ColumnSpec{"edge_job", "command", kText, 0, false, ""}
                            : ColumnSpec{"edge_job", "command", kVarchar, 2048, false, ""},
      {"edge_job", "queued_dttm", kTs, 0, true, ""},
      {"edge_job", "edge_worker", kVarchar, 64, true, ""},
      {"edge_job", "last_update", kTs, 0, true, ""},
      {"edge_job", "team_name", kVarchar, 64, true, ""},
      {"edge_logs", "dag_id", kVarchar, 250, false, ""},
      {"edge_logs", "task_id", kVarchar, 250, false, ""},
      {"edge_logs", "run_id", kVarchar, 250, false, ""},
      {"edge_logs", "map_index", kInt, 0, false, "'-1'::integer"},
      {"edge_logs", "try_number", kInt, 0, false, ""},
      {"edge_logs", "log_chunk_time", kTs, 0, false, ""},
      {"edge_logs", "log_chunk_data", kText, 0, false, ""},
  };
  if (revision.task_instance_id) {
    columns.push_back(
        {"edge_job", "task_instance_id", kVarchar, 36, false, "''::character varying"});
  }
  return columns;
}

std::vector<IndexSpec> ExpectedIndexesAt(const Edge3Revision& revision) {
  return {
      {"edge_job", "edge_job_pkey",
       absl::StrCat("CREATE UNIQUE INDEX edge_job_pkey ON edge_job USING btree (dag_id, task_id, "
                    "run_id, map_index, try_number",
                    revision.task_instance_id ? ", task_instance_id)" : ")")},
      {"edge_job", "rj_order",
       "CREATE INDEX rj_order ON edge_job USING btree (state, queued_dttm, queue)"},
      {"edge_logs", "edge_logs_pkey",
       "CREATE UNIQUE INDEX edge_logs_pkey ON edge_logs USING btree (dag_id, task_id, run_id, "
       "map_index, try_number, log_chunk_time)"},
      {"edge_worker", "edge_worker_pkey",
       "CREATE UNIQUE INDEX edge_worker_pkey ON edge_worker USING btree (worker_name)"},
  };
}

ColumnSpec PriorityWeightColumn() {
  return {"edge_job", "priority_weight", "integer", 0, false, "1"};
}

IndexSpec PriorityRjOrderIndex() {
  return {"edge_job", "rj_order",
          "CREATE INDEX rj_order ON edge_job USING btree (state, priority_weight DESC, "
          "queued_dttm, queue)"};
}

}  // namespace edgectl::db
