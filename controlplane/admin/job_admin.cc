#include "controlplane/admin/job_admin.h"

#include "absl/strings/str_cat.h"
#include "controlplane/db/pg_status.h"

namespace edgectl::admin {
namespace {

FieldValue Text(const pqxx::field& f) {
  return f.is_null() ? FieldValue::None() : FieldValue::Text(f.as<std::string>());
}

}  // namespace

absl::StatusOr<std::vector<Record>> JobAdmin::List(const JobFilter& filter) {
  std::string sql =
      "SELECT dag_id, task_id, run_id, map_index, try_number, state, queue, edge_worker, "
      "queued_dttm, last_update FROM edge_job WHERE TRUE";
  std::vector<std::string> params;
  auto add = [&](const std::string& value) {
    params.push_back(value);
    return absl::StrCat("$", params.size());
  };
  if (!filter.states.empty()) {
    sql += " AND state IN (";
    for (size_t i = 0; i < filter.states.size(); ++i) {
      absl::StrAppend(&sql, i == 0 ? "" : ", ", add(filter.states[i]));
    }
    sql += ")";
  }
  if (filter.queue) absl::StrAppend(&sql, " AND queue = ", add(*filter.queue));
  if (filter.worker) absl::StrAppend(&sql, " AND edge_worker = ", add(*filter.worker));
  if (filter.dag_id) absl::StrAppend(&sql, " AND dag_id = ", add(*filter.dag_id));
  absl::StrAppend(&sql, " ORDER BY queued_dttm DESC NULLS LAST, dag_id, task_id LIMIT ",
                  add(absl::StrCat(filter.limit)), "::integer");
  try {
    pqxx::read_transaction tx(conn_);
    pqxx::result rows = tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
    std::vector<Record> out;
    for (const pqxx::row& row : rows) {
      out.push_back({{"dag_id", Text(row[0])},
                     {"task_id", Text(row[1])},
                     {"run_id", Text(row[2])},
                     {"map_index", Text(row[3])},
                     {"try_number", Text(row[4])},
                     {"state", Text(row[5])},
                     {"queue", Text(row[6])},
                     {"edge_worker", Text(row[7])},
                     {"queued_dttm", Text(row[8])},
                     {"last_update", Text(row[9])}});
    }
    return out;
  } catch (...) {
    return db::StatusFromCurrentException("list jobs");
  }
}

absl::StatusOr<LogSlice> JobAdmin::ReadLog(const LogKey& key, const std::string& after) {
  try {
    pqxx::read_transaction tx(conn_);
    LogSlice slice;
    if (key.try_number.has_value()) {
      slice.try_number = *key.try_number;
    } else {
      pqxx::row latest = tx.exec_params1(
          "SELECT GREATEST((SELECT max(try_number) FROM edge_job WHERE dag_id = $1 AND "
          "task_id = $2 AND run_id = $3 AND map_index = $4), (SELECT max(try_number) FROM "
          "edge_logs WHERE dag_id = $1 AND task_id = $2 AND run_id = $3 AND map_index = $4))",
          key.dag_id, key.task_id, key.run_id, key.map_index);
      if (latest[0].is_null()) {
        return absl::NotFoundError(absl::StrCat("no job and no log of ", key.dag_id, ".",
                                                key.task_id, " in run ", key.run_id,
                                                key.map_index >= 0 ? absl::StrCat(" map index ", key.map_index) : ""));
      }
      slice.try_number = latest[0].as<int>();
    }
    pqxx::result state = tx.exec_params(
        "SELECT state FROM edge_job WHERE dag_id = $1 AND task_id = $2 AND run_id = $3 AND "
        "map_index = $4 AND try_number = $5",
        key.dag_id, key.task_id, key.run_id, key.map_index, slice.try_number);
    if (!state.empty()) slice.job_state = state[0][0].as<std::string>();
    // Times travel as PostgreSQL prints them, so a follower's next query starts exactly after
    // the newest chunk it has (microseconds included).
    pqxx::result chunks = tx.exec_params(
        "SELECT log_chunk_data, log_chunk_time::text FROM edge_logs WHERE dag_id = $1 AND "
        "task_id = $2 AND run_id = $3 AND map_index = $4 AND try_number = $5 AND "
        "($6 = '' OR log_chunk_time > $6::timestamptz) ORDER BY log_chunk_time",
        key.dag_id, key.task_id, key.run_id, key.map_index, slice.try_number, after);
    slice.last_time = after;
    for (const pqxx::row& row : chunks) {
      slice.text += row[0].as<std::string>();
      slice.last_time = row[1].as<std::string>();
    }
    return slice;
  } catch (...) {
    return db::StatusFromCurrentException("read the job's log");
  }
}

}  // namespace edgectl::admin
