#include "controlplane/web/fleet_queries.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "controlplane/db/pg_status.h"

namespace edgectl::web {
namespace {

std::optional<double> OptionalDouble(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<double>();
}

// Drops UTF-8 continuation bytes at the start of a slice cut inside a character.
size_t CharacterStart(const std::string& text, size_t pos) {
  while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
  return pos;
}

constexpr char kJobKey[] =
    "dag_id = $1 AND task_id = $2 AND run_id = $3 AND map_index = $4 AND try_number = $5";

}  // namespace

absl::StatusOr<WorkerList> FleetQueries::Workers() {
  absl::StatusOr<std::vector<admin::WorkerRecord>> rows = admin::WorkerAdmin(conn_).List({});
  if (!rows.ok()) return rows.status();
  WorkerList list;
  list.workers = *std::move(rows);
  try {
    pqxx::read_transaction tx(conn_);
    list.db_now = tx.exec1("SELECT extract(epoch FROM now())")[0].as<double>();
  } catch (...) {
    return db::StatusFromCurrentException("read the database clock");
  }
  return list;
}

absl::StatusOr<JobList> FleetQueries::Jobs(const JobFilter& filter) {
  const int limit = std::clamp(filter.limit, 1, 1000);
  // Empty filters match everything; the others match a part of the value (strpos, so `%` and
  // `_` in what the user typed are literal).
  const std::string sql = absl::StrCat(
      "SELECT dag_id, task_id, run_id, map_index, try_number, state, queue, concurrency_slots, "
      "edge_worker, extract(epoch FROM queued_dttm), extract(epoch FROM last_update), "
      "extract(epoch FROM now()) FROM edge_job "
      "WHERE ($1 = '' OR state = $1) AND ($2 = '' OR strpos(queue, $2) > 0) "
      "AND ($3 = '' OR strpos(COALESCE(edge_worker, ''), $3) > 0) "
      "AND ($4 = '' OR strpos(dag_id, $4) > 0) "
      "ORDER BY queued_dttm DESC NULLS LAST, dag_id, task_id, run_id, map_index, try_number "
      "LIMIT ",
      limit + 1);
  try {
    pqxx::read_transaction tx(conn_);
    pqxx::result rows =
        tx.exec_params(sql, filter.state, filter.queue, filter.worker, filter.dag);
    JobList list;
    for (const pqxx::row& row : rows) {
      list.db_now = row[11].as<double>();
      if (list.jobs.size() == static_cast<size_t>(limit)) {
        list.truncated = true;
        break;
      }
      JobView job;
      job.dag_id = row[0].as<std::string>();
      job.task_id = row[1].as<std::string>();
      job.run_id = row[2].as<std::string>();
      job.map_index = row[3].as<int>();
      job.try_number = row[4].as<int>();
      job.state = row[5].as<std::string>();
      job.queue = row[6].as<std::string>();
      job.concurrency_slots = row[7].as<int>();
      if (!row[8].is_null()) job.edge_worker = row[8].as<std::string>();
      job.queued_dttm = OptionalDouble(row[9]);
      job.last_update = OptionalDouble(row[10]);
      list.jobs.push_back(std::move(job));
    }
    if (rows.empty()) list.db_now = tx.exec1("SELECT extract(epoch FROM now())")[0].as<double>();
    return list;
  } catch (...) {
    return db::StatusFromCurrentException("list jobs");
  }
}

absl::StatusOr<JobCounts> FleetQueries::Counts() {
  try {
    pqxx::read_transaction tx(conn_);
    JobCounts counts;
    for (const pqxx::row& row : tx.exec("SELECT state, count(*) FROM edge_job GROUP BY state")) {
      counts.by_state[row[0].as<std::string>()] = row[1].as<int64_t>();
    }
    // rj_order starts with state, so this reads only the queued part of the index.
    for (const pqxx::row& row : tx.exec(
             "SELECT queue, count(*), COALESCE(extract(epoch FROM now() - min(queued_dttm)), 0) "
             "FROM edge_job WHERE state = 'queued' GROUP BY queue ORDER BY queue")) {
      counts.queued.push_back(QueueBacklog{row[0].as<std::string>(), row[1].as<int64_t>(),
                                           row[2].as<double>()});
    }
    return counts;
  } catch (...) {
    return db::StatusFromCurrentException("count jobs");
  }
}

absl::StatusOr<LogSlice> FleetQueries::Log(const JobRef& job, int64_t offset, int64_t max_bytes) {
  offset = std::max<int64_t>(offset, 0);
  try {
    pqxx::read_transaction tx(conn_);
    LogSlice slice;
    slice.offset = offset;
    slice.next_offset = offset;
    pqxx::result state = tx.exec_params(
        absl::StrCat("SELECT state FROM edge_job WHERE ", kJobKey,
                     " ORDER BY last_update DESC NULLS LAST LIMIT 1"),
        job.dag_id, job.task_id, job.run_id, job.map_index, job.try_number);
    if (!state.empty()) slice.job_state = state[0][0].as<std::string>();
    // Each row with the byte offset where it ends in the concatenated log; only rows past the
    // reader's offset leave the database.
    pqxx::result rows = tx.exec_params(
        absl::StrCat("SELECT log_chunk_data, chunk_end FROM (SELECT log_chunk_data, "
                     "sum(octet_length(log_chunk_data)) OVER (ORDER BY log_chunk_time) "
                     "AS chunk_end FROM edge_logs WHERE ",
                     kJobKey, ") AS chunks WHERE chunk_end > $6 ORDER BY chunk_end"),
        job.dag_id, job.task_id, job.run_id, job.map_index, job.try_number, offset);
    for (const pqxx::row& row : rows) {
      if (!slice.text.empty() &&
          static_cast<int64_t>(slice.text.size()) + static_cast<int64_t>(row[0].size()) >
              max_bytes) {
        slice.more = true;
        break;
      }
      const std::string data = row[0].as<std::string>();
      const int64_t end = row[1].as<int64_t>();
      const int64_t start = end - static_cast<int64_t>(data.size());
      size_t from = offset > start ? static_cast<size_t>(offset - start) : 0;
      slice.text += data.substr(CharacterStart(data, from));
      slice.next_offset = end;
    }
    return slice;
  } catch (...) {
    return db::StatusFromCurrentException("read a job's log");
  }
}

}  // namespace edgectl::web
