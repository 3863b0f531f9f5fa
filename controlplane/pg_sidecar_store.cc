#include "controlplane/pg_sidecar_store.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "common/python_list_repr.h"
#include "controlplane/db/schema_revision.h"

namespace edgectl::controlplane {
namespace {

constexpr char kWorkerColumns[] =
    "SELECT worker_name, state, queues, maintenance_comment, concurrency FROM edge_worker ";

// A PostgreSQL text[] literal: {"a","b"} with backslash-escaped quotes and backslashes.
std::string ArrayLiteral(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

WorkerRow RowToWorker(const pqxx::row& r) {
  WorkerRow w;
  w.worker_name = r[0].as<std::string>();
  w.state = r[1].as<std::string>();
  if (!r[2].is_null()) {
    absl::StatusOr<std::vector<std::string>> queues = ParsePythonStrList(r[2].c_str());
    if (!queues.ok()) {
      spdlog::warn("worker {}: {}; treating it as all queues", w.worker_name,
                   queues.status().ToString());
    } else if (!queues->empty()) {
      w.queues = *std::move(queues);  // edge3: an empty list means all queues
    }
  }
  if (!r[3].is_null()) w.maintenance_comment = r[3].as<std::string>();
  if (!r[4].is_null()) w.concurrency = r[4].as<int>();
  return w;
}

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

// edge_job's primary key as parameters $1..$6. Before edge3 5.0 (no task_instance_id column)
// $6 must be empty: a UUID-keyed job cannot exist there.
std::string JobKeyMatch(bool task_instance_ids) {
  return absl::StrCat(
      "dag_id = $1 AND task_id = $2 AND run_id = $3 AND map_index = $4 AND try_number = $5 AND ",
      task_instance_ids ? "task_instance_id = $6" : "$6::text = ''");
}

// The decision on an unconfirmed claim of `worker` (state 'restarting'), in one conditional
// UPDATE: confirm it ('running') or take it back ('queued'). PostgreSQL's row lock lets only one
// of the two see 'restarting'. Returns whether the row changed.
// The decided row, when there was one to decide: how long ago it was queued (NULL-safe).
struct Decision {
  bool changed = false;
  std::optional<absl::Duration> queued_for;
};

Decision DecideClaim(pqxx::work& tx, const std::string& key_match, const char* set,
                     const bridge::JobKey& key, const std::string& worker) {
  // clock_timestamp(), not now(): the claim's own moment, on the same clock as queued_dttm.
  pqxx::result r = tx.exec_params(
      absl::StrCat("UPDATE edge_job SET ", set, ", last_update = now() WHERE ", key_match,
                   " AND edge_worker = $7 AND state = 'restarting' RETURNING "
                   "extract(epoch FROM clock_timestamp() - queued_dttm)"),
      key.dag_id, key.task_id, key.run_id, key.map_index, key.try_number, key.task_instance_id,
      worker);
  Decision decision;
  decision.changed = r.affected_rows() > 0;
  if (decision.changed && !r[0][0].is_null()) {
    decision.queued_for = absl::Seconds(r[0][0].as<double>());
  }
  return decision;
}

// The job's state and owner in `tx`; nullopt when there is no such row.
std::optional<JobRow> ReadJobRow(pqxx::transaction_base& tx, const std::string& key_match,
                                const bridge::JobKey& key) {
  pqxx::result row = tx.exec_params(
      "SELECT state, COALESCE(edge_worker, '') FROM edge_job WHERE " + key_match,
      key.dag_id, key.task_id, key.run_id, key.map_index, key.try_number, key.task_instance_id);
  if (row.empty()) return std::nullopt;
  return JobRow{row[0][0].as<std::string>(), row[0][1].as<std::string>()};
}

}  // namespace

absl::StatusOr<std::vector<QueuedWork>> PgSidecarStore::QueuedWorkByQueue() {
  return pool_.With("find queued jobs", [](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    // rj_order starts with state, so this reads only the queued part of the index.
    pqxx::result rows = tx.exec(
        "SELECT queue, min(concurrency_slots), count(*) FROM edge_job "
        "WHERE state = 'queued' GROUP BY queue");
    std::vector<QueuedWork> work;
    for (const pqxx::row& r : rows) {
      work.push_back({r[0].as<std::string>(), r[1].as<int>(), r[2].as<int>()});
    }
    return work;
  });
}

absl::StatusOr<bool> PgSidecarStore::RequeueJob(const bridge::JobKey& key,
                                                const std::string& worker_name) {
  return pool_.With("requeue job", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    const bool taken_back =
        DecideClaim(tx, JobKeyMatch(task_instance_ids_), "state = 'queued', edge_worker = NULL",
                    key, worker_name)
            .changed;
    tx.commit();
    return taken_back;
  });
}

absl::StatusOr<ClaimResult> PgSidecarStore::ConfirmClaim(const bridge::JobKey& key,
                                                         const std::string& worker_name) {
  return pool_.With("confirm job claim", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    // Only an unconfirmed claim of this very worker becomes 'running'; a requeue (RequeueJob,
    // RequeueStaleClaims) is the opposite decision on the same row.
    ClaimResult result;
    const std::string key_match = JobKeyMatch(task_instance_ids_);
    if (Decision d = DecideClaim(tx, key_match, "state = 'running'", key, worker_name);
        d.changed) {
      tx.commit();
      result.granted = true;
      result.queued_for = d.queued_for;
      result.state = "running";
      result.worker = worker_name;
      return result;
    }
    const std::optional<JobRow> row = ReadJobRow(tx, key_match, key);
    tx.commit();
    if (!row.has_value()) return result;
    result.state = row->state;
    result.worker = row->edge_worker;
    // Asked again after the first answer was lost: still this worker's confirmed claim.
    result.granted = result.state == "running" && result.worker == worker_name;
    return result;
  });
}

absl::StatusOr<int> PgSidecarStore::RequeueStaleClaims(absl::Duration age) {
  return pool_.With("requeue stale claims", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    // Only claims of edgectl workers: an edge3 (Python) worker polling the same API confirms its
    // own claims with PATCH .../running and must never have one taken back.
    pqxx::result r = tx.exec_params(
        "UPDATE edge_job SET state = 'queued', edge_worker = NULL, last_update = now() "
        "WHERE state = 'restarting' "
        "AND last_update < now() - $1 * interval '1 microsecond' "
        "AND edge_worker IN (SELECT worker_name FROM edge_worker "
        "WHERE (sysinfo::jsonb) ? 'edgectl_version')",
        absl::ToInt64Microseconds(age));
    tx.commit();
    return static_cast<int>(r.affected_rows());
  });
}

absl::StatusOr<std::optional<JobRow>> PgSidecarStore::GetJob(const bridge::JobKey& key) {
  return pool_.With("read job", [&](pqxx::connection& c) -> std::optional<JobRow> {
    pqxx::read_transaction tx(c);
    return ReadJobRow(tx, JobKeyMatch(task_instance_ids_), key);
  });
}

absl::StatusOr<std::vector<StoredLogSlice>> PgSidecarStore::StoredLogSlices(
    const bridge::JobKey& key, absl::Time from, absl::Time to) {
  return pool_.With("read stored log chunks", [&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    pqxx::result rows = tx.exec_params(
        "SELECT ((EXTRACT(EPOCH FROM log_chunk_time) * 1000000)::numeric(30,0))::bigint, "
        "log_chunk_data FROM edge_logs WHERE dag_id = $1 AND task_id = $2 AND run_id = $3 "
        "AND map_index = $4 AND try_number = $5 "
        "AND log_chunk_time BETWEEN 'epoch'::timestamptz + $6 * interval '1 microsecond' "
        "AND 'epoch'::timestamptz + $7 * interval '1 microsecond'",
        key.dag_id, key.task_id, key.run_id, key.map_index, key.try_number, Micros(from),
        Micros(to));
    std::vector<StoredLogSlice> slices;
    for (const pqxx::row& r : rows) {
      slices.push_back({absl::FromUnixMicros(r[0].as<int64_t>()), r[1].as<std::string>()});
    }
    return slices;
  });
}

absl::StatusOr<bool> PgSidecarStore::ReleaseStaleRegistration(
    const std::string& worker_name, const std::string& previous_instance) {
  return pool_.With("release stale registration", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    pqxx::result r = tx.exec_params(
        "UPDATE edge_worker SET state = CASE WHEN state IN ('maintenance request', "
        "'maintenance pending', 'maintenance mode') THEN 'offline maintenance' ELSE 'unknown' "
        "END, last_update = now() WHERE worker_name = $1 "
        "AND state NOT IN ('offline', 'unknown', 'offline maintenance') "
        "AND (sysinfo::jsonb) ->> 'edgectl_instance' = $2",
        worker_name, previous_instance);
    tx.commit();
    return r.affected_rows() > 0;
  });
}

absl::StatusOr<std::optional<WorkerRow>> PgSidecarStore::GetWorker(
    const std::string& worker_name) {
  return pool_.With("read worker", [&](pqxx::connection& c) -> std::optional<WorkerRow> {
    pqxx::read_transaction tx(c);
    pqxx::result rows =
        tx.exec_params(std::string(kWorkerColumns) + "WHERE worker_name = $1", worker_name);
    if (rows.empty()) return std::nullopt;
    return RowToWorker(rows[0]);
  });
}

absl::StatusOr<std::vector<WorkerRow>> PgSidecarStore::GetWorkers(
    const std::vector<std::string>& worker_names) {
  return pool_.With("read workers", [&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    pqxx::result rows = tx.exec_params(
        std::string(kWorkerColumns) + "WHERE worker_name = ANY($1::text[])",
        ArrayLiteral(worker_names));
    std::vector<WorkerRow> workers;
    for (const pqxx::row& r : rows) workers.push_back(RowToWorker(r));
    return workers;
  });
}

absl::StatusOr<std::optional<std::string>> PgSidecarStore::WorkerForToken(
    const std::string& token_sha256) {
  return pool_.With("look up worker token", [&](pqxx::connection& c) -> std::optional<std::string> {
    pqxx::read_transaction tx(c);
    pqxx::result r = tx.exec_params(
        "SELECT worker_name FROM edgectl_worker_token WHERE token_sha256 = $1", token_sha256);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<std::string>();
  });
}

absl::StatusOr<std::set<std::string>> PgSidecarStore::IssuedTokens(
    const std::vector<std::string>& token_sha256s) {
  return pool_.With("check worker tokens", [&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    pqxx::result r = tx.exec_params(
        "SELECT token_sha256 FROM edgectl_worker_token WHERE token_sha256 = ANY($1::text[])",
        ArrayLiteral(token_sha256s));
    std::set<std::string> issued;
    for (const pqxx::row& row : r) issued.insert(row[0].as<std::string>());
    return issued;
  });
}

absl::Status PgSidecarStore::AdaptToSchema() {
  absl::StatusOr<db::DetectedSchema> schema = pool_.With(
      "read the edge3 schema revision",
      [](pqxx::connection& c) {
        pqxx::read_transaction tx(c);
        return db::DetectSchemaIn(tx);
      });
  if (!schema.ok()) return schema.status();
  if (absl::Status servable = db::CheckServable(*schema); !servable.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot serve this Airflow database: ", servable.message()));
  }
  task_instance_ids_ = schema->revision->task_instance_id;
  spdlog::info("edge3 schema revision {} (edge3 {}); jobs keyed {}", schema->revision->revision,
               schema->revision->provider_versions,
               task_instance_ids_ ? "by task_instance_id and coordinates" : "by coordinates");
  return absl::OkStatus();
}

absl::Status PgSidecarStore::Ping() {
  return pool_.With("ping database", [](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    tx.exec1("SELECT 1");
  });
}

}  // namespace edgectl::controlplane
