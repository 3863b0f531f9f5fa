// File: controlplane/db/notify_trigger.h
//
// The optional change notifications (`edgectl db init --with-notify`), three row triggers that
// let sidecars wait on PostgreSQL NOTIFY instead of polling:
//   - edge_job: `NOTIFY edgectl_edge_job, '<queue>'` when a row becomes or is inserted 'queued'
//     (dispatch wakes at once; JobNotifyListener -> JobDispatcher);
//   - edge_worker: `NOTIFY edgectl_edge_worker, '<worker_name>'` when a row's queues or
//     concurrency change or its state becomes a request from the centre ('maintenance request',
//     'maintenance exit', 'shutdown request'): the state watcher reads only that row;
//   - edgectl_worker_token: `NOTIFY edgectl_worker_token, '<worker_name>'` when a token row is
//     deleted (`edgectl token revoke`): the watcher ends that worker's streams if they used it.
// They are an extra beside edge3's schema, never part of it: functions and triggers are named
// edgectl_*, Airflow's alembic migrations neither know nor touch them (a migration that drops
// and recreates a table drops its trigger with it; `edgectl db check` then says so and sidecars
// fall back to polling), and removing them (`edgectl db init --without-notify`, or the
// statements of NotifyTriggerRemovalSql()) leaves edge3 untouched. Sidecars never depend on
// them: without them they poll as before.
//
// Cost on Airflow's side: one pg_notify per matching row in the writing transaction; PostgreSQL
// folds identical (channel, payload) notifications of one transaction into one, so a scheduler
// loop queueing 1,000 tasks to 3 queues sends 3 notifications, delivered at commit. Heartbeats
// (last_update, jobs_active, sysinfo, idle <-> running) match no WHEN clause and send nothing.
#ifndef EDGECTL_CONTROLPLANE_DB_NOTIFY_TRIGGER_H_
#define EDGECTL_CONTROLPLANE_DB_NOTIFY_TRIGGER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pqxx/pqxx"

namespace edgectl::db {

// The LISTEN/NOTIFY channel of edge_job; the payload is the job's queue.
inline constexpr char kNotifyChannel[] = "edgectl_edge_job";
inline constexpr char kNotifyFunction[] = "edgectl_edge_job_notify";
inline constexpr char kNotifyTrigger[] = "edgectl_edge_job_notify";
// Channels of edge_worker and edgectl_worker_token; the payload is the worker's name.
inline constexpr char kWorkerChannel[] = "edgectl_edge_worker";
inline constexpr char kWorkerNotifyFunction[] = "edgectl_edge_worker_notify";
inline constexpr char kWorkerNotifyTrigger[] = "edgectl_edge_worker_notify";
inline constexpr char kTokenChannel[] = "edgectl_worker_token";
inline constexpr char kTokenNotifyFunction[] = "edgectl_worker_token_notify";
inline constexpr char kTokenNotifyTrigger[] = "edgectl_worker_token_notify";

// Which of the three triggers are installed and enabled.
struct NotifyTriggers {
  bool edge_job = false;
  bool edge_worker = false;
  bool worker_token = false;
  bool all() const { return edge_job && edge_worker && worker_token; }
  bool none() const { return !edge_job && !edge_worker && !worker_token; }
  // The worker-change pair the state watcher needs (both or it polls).
  bool workers() const { return edge_worker && worker_token; }
};

// Creates (or replaces) the functions and triggers in one transaction. Idempotent. Needs
// edge_job, edge_worker and edgectl_worker_token to exist (run after CreateSchema and the
// edgectl schema) and the right to create triggers on them (their owner).
absl::Status InstallNotifyTrigger(pqxx::connection& conn);
// Drops the triggers and functions (nothing when absent, also when a table is gone). Idempotent.
absl::Status RemoveNotifyTrigger(pqxx::connection& conn);
// Which triggers are installed (all false when the tables do not exist).
absl::StatusOr<NotifyTriggers> NotifyTriggersInstalled(pqxx::connection& conn);
// The same, readable from within any transaction (one catalogue query).
NotifyTriggers NotifyTriggersInstalledIn(pqxx::transaction_base& tx);
// The SQL that removes them by hand (documented for DBAs).
std::string NotifyTriggerRemovalSql();

}  // namespace edgectl::db

#endif  // EDGECTL_CONTROLPLANE_DB_NOTIFY_TRIGGER_H_
