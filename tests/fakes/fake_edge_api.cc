#include "tests/fakes/fake_edge_api.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/edge_states.h"
#include "common/python_list_repr.h"
#include "controlplane/db/pg_status.h"
#include "tests/airflow_double/worker_state_rules.h"

namespace edgectl::testing {
namespace {

namespace st = edgectl::states;

std::string SysinfoString(const bridge::Sysinfo& sysinfo, const std::string& key) {
  auto it = sysinfo.find(key);
  if (it == sysinfo.end() || !std::holds_alternative<std::string>(it->second)) return "";
  return std::get<std::string>(it->second);
}

// edge3's _assert_version with no minimum versions configured: any mismatch is a 400.
absl::Status AssertVersion(const bridge::Sysinfo& sysinfo) {
  const std::string airflow = SysinfoString(sysinfo, "airflow_version");
  const std::string provider = SysinfoString(sysinfo, "edge_provider_version");
  if (airflow.empty() || provider.empty()) {
    return absl::FailedPreconditionError(
        "HTTP 400: Worker does not specify the version it is using.");
  }
  if (airflow != FakeEdgeApi::kAirflowVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "HTTP 400: Edge Worker runs on Airflow ", airflow, " and the core runs on ",
        FakeEdgeApi::kAirflowVersion, ". Rejecting access due to difference."));
  }
  if (provider != FakeEdgeApi::kProviderVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "HTTP 400: Edge Worker runs on Edge Provider ", provider, " and the core runs on ",
        FakeEdgeApi::kProviderVersion, ". Rejecting access due to difference."));
  }
  return absl::OkStatus();
}

std::optional<std::vector<std::string>> QueuesOf(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  absl::StatusOr<std::vector<std::string>> q = ParsePythonStrList(f.c_str());
  if (!q.ok() || q->empty()) return std::nullopt;
  return *q;
}

}  // namespace

void FakeEdgeApi::FailNext(Endpoint endpoint, absl::Status status, int times) {
  absl::MutexLock lock(&mu_);
  failures_[endpoint] = Failure{std::move(status), times};
}

void FakeEdgeApi::FailAlways(Endpoint endpoint, absl::Status status) {
  absl::MutexLock lock(&mu_);
  failures_[endpoint] = Failure{std::move(status), -1};
}

void FakeEdgeApi::ClearFailures() {
  absl::MutexLock lock(&mu_);
  failures_.clear();
}

int FakeEdgeApi::Calls(Endpoint endpoint) const {
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(endpoint);
  return it == calls_.end() ? 0 : it->second;
}

absl::Status FakeEdgeApi::Enter(Endpoint endpoint) {
  absl::MutexLock lock(&mu_);
  ++calls_[endpoint];
  auto it = failures_.find(endpoint);
  if (it == failures_.end() || it->second.remaining == 0) return absl::OkStatus();
  if (it->second.remaining > 0) --it->second.remaining;
  return it->second.status;
}

absl::StatusOr<bridge::WorkerRegistrationReturn> FakeEdgeApi::RegisterWorker(
    const std::string& worker_name, const bridge::WorkerStateBody& body) {
  if (absl::Status s = Enter(Endpoint::kRegister); !s.ok()) return s;
  if (absl::Status s = AssertVersion(body.sysinfo); !s.ok()) return s;
  auto stored = pool_.With("register",
                           [&](pqxx::connection& c) -> absl::StatusOr<std::string> {
    pqxx::work tx(c);
    pqxx::result row = tx.exec_params(
        "SELECT state FROM edge_worker WHERE worker_name = $1 FOR UPDATE", worker_name);
    std::string state = body.state;
    if (!row.empty()) {
      const std::string db_state = row[0][0].as<std::string>();
      if (!st::IsOfflineState(db_state)) {
        return absl::AlreadyExistsError(absl::StrCat(
            "HTTP 409: Worker '", worker_name, "' is already active in state '", db_state,
            "'. Cannot start a duplicate worker with the same name."));
      }
      state = airflow_double::RedefineState(db_state, body.state);
    }
    pqxx::result r = tx.exec_params(
        "INSERT INTO edge_worker (worker_name, state, queues, first_online, last_update, "
        "jobs_active, team_name) VALUES ($1, $2, $3, now(), now(), $4, $5) "
        "ON CONFLICT (worker_name) DO UPDATE SET state = $2, queues = $3, last_update = now(), "
        "jobs_active = $4, team_name = $5 "
        "RETURNING to_char(last_update AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') "
        "|| '+00:00'",
        worker_name, state, QueuesToColumn(body.queues), body.jobs_active, body.team_name);
    tx.commit();
    return r[0][0].as<std::string>();
  });
  if (!stored.ok()) return stored.status();
  if (!stored->ok()) return stored->status();
  return bridge::WorkerRegistrationReturn{**stored, true};
}

absl::StatusOr<bridge::WorkerSetStateReturn> FakeEdgeApi::SetState(
    const std::string& worker_name, const bridge::WorkerStateBody& body) {
  if (absl::Status s = Enter(Endpoint::kSetState); !s.ok()) return s;
  using Reply = absl::StatusOr<bridge::WorkerSetStateReturn>;
  auto reply = pool_.With("set_state", [&](pqxx::connection& c) -> Reply {
    pqxx::work tx(c);
    pqxx::result row = tx.exec_params(
        "SELECT state, queues, maintenance_comment, concurrency FROM edge_worker "
        "WHERE worker_name = $1 FOR UPDATE",
        worker_name);
    if (row.empty()) return absl::NotFoundError("HTTP 404: Worker not found");
    bridge::WorkerSetStateReturn out;
    out.state = airflow_double::RedefineState(row[0][0].as<std::string>(), body.state);
    out.queues = QueuesOf(row[0][1]);
    if (!row[0][2].is_null()) out.maintenance_comments = row[0][2].as<std::string>();
    if (!row[0][3].is_null()) out.concurrency = row[0][3].as<int>();
    tx.exec_params(
        "UPDATE edge_worker SET state = $2, jobs_active = $3, last_update = now() "
        "WHERE worker_name = $1",
        worker_name, out.state, body.jobs_active);
    tx.commit();
    return out;
  });
  if (!reply.ok()) return reply.status();
  if (!reply->ok()) return reply->status();
  if (absl::Status s = AssertVersion(body.sysinfo); !s.ok()) return s;
  return **reply;
}

absl::Status FakeEdgeApi::UpdateQueues(const std::string&,
                                       const std::optional<std::vector<std::string>>&,
                                       const std::optional<std::vector<std::string>>&) {
  if (absl::Status s = Enter(Endpoint::kUpdateQueues); !s.ok()) return s;
  return absl::UnimplementedError("the fake does not implement worker/queues");
}

absl::StatusOr<std::optional<bridge::EdgeJobFetched>> FakeEdgeApi::FetchJob(
    const std::string& worker_name, const bridge::FetchRequest& request) {
  if (absl::Status s = Enter(Endpoint::kFetchJob); !s.ok()) return s;
  using Fetched = std::optional<bridge::EdgeJobFetched>;
  return pool_.With("jobs/fetch", [&](pqxx::connection& c) -> Fetched {
    pqxx::work tx(c);
    std::string queue_filter;
    if (request.queues) {
      queue_filter = " AND queue IN (";
      for (size_t i = 0; i < request.queues->size(); ++i) {
        queue_filter += (i ? ", " : "") + tx.quote((*request.queues)[i]);
      }
      queue_filter += request.queues->empty() ? "NULL)" : ")";
    }
    pqxx::result rows = tx.exec_params(
        "SELECT dag_id, task_id, run_id, map_index, try_number, task_instance_id, command, "
        "concurrency_slots FROM edge_job WHERE state = 'queued' AND concurrency_slots <= $1" +
            queue_filter +
            " ORDER BY priority_weight DESC, queued_dttm LIMIT 1 FOR UPDATE SKIP LOCKED",
        request.free_concurrency);
    if (rows.empty()) return std::nullopt;
    const pqxx::row r = rows[0];
    bridge::EdgeJobFetched job;
    job.key.dag_id = r[0].as<std::string>();
    job.key.task_id = r[1].as<std::string>();
    job.key.run_id = r[2].as<std::string>();
    job.key.map_index = r[3].as<int>();
    job.key.try_number = r[4].as<int>();
    job.key.task_instance_id = r[5].as<std::string>();
    job.command = r[6].as<std::string>();
    job.concurrency_slots = r[7].as<int>();
    tx.exec_params(
        "UPDATE edge_job SET state = 'restarting', edge_worker = $7, last_update = now() "
        "WHERE dag_id = $1 AND task_id = $2 AND run_id = $3 AND map_index = $4 "
        "AND try_number = $5 AND task_instance_id = $6",
        job.key.dag_id, job.key.task_id, job.key.run_id, job.key.map_index, job.key.try_number,
        job.key.task_instance_id, worker_name);
    tx.commit();
    return job;
  });
}

absl::Status FakeEdgeApi::SetJobState(const bridge::JobKey& key, const std::string& state) {
  if (absl::Status s = Enter(Endpoint::kSetJobState); !s.ok()) return s;
  return pool_.With("jobs/state", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params(
        "UPDATE edge_job SET state = $7, last_update = now() WHERE dag_id = $1 AND "
        "task_id = $2 AND run_id = $3 AND map_index = $4 AND try_number = $5 AND "
        "task_instance_id = $6",
        key.dag_id, key.task_id, key.run_id, key.map_index, key.try_number,
        key.task_instance_id, state);
    tx.commit();
  });
}

absl::StatusOr<std::string> FakeEdgeApi::LogfilePath(const bridge::JobKey& key) {
  if (absl::Status s = Enter(Endpoint::kLogfilePath); !s.ok()) return s;
  return absl::StrCat("dag_id=", key.dag_id, "/run_id=", key.run_id, "/task_id=", key.task_id,
                      "/attempt=", key.try_number, ".log");
}

absl::Status FakeEdgeApi::PushLogs(const bridge::JobKey& key, absl::Time log_chunk_time,
                                   const std::string& log_chunk_data) {
  if (absl::Status s = Enter(Endpoint::kPushLogs); !s.ok()) return s;
  return pool_.With("logs/push", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params(
        "INSERT INTO edge_logs (dag_id, task_id, run_id, map_index, try_number, "
        "log_chunk_time, log_chunk_data) VALUES ($1, $2, $3, $4, $5, "
        "'epoch'::timestamptz + $6 * interval '1 microsecond', $7)",
        key.dag_id, key.task_id, key.run_id, key.map_index, key.try_number,
        absl::ToUnixMicros(log_chunk_time), log_chunk_data);
    tx.commit();
  });
}

absl::StatusOr<std::map<std::string, std::string>> FakeEdgeApi::Health() {
  if (absl::Status s = Enter(Endpoint::kHealth); !s.ok()) return s;
  return std::map<std::string, std::string>{{"status", "healthy"}};
}

}  // namespace edgectl::testing
