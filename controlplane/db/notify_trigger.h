// File: controlplane/db/notify_trigger.h
//
// The optional dispatch notification (`edgectl db init --with-notify`): a row trigger on edge_job
// that sends `NOTIFY edgectl_edge_job, '<queue>'` when a row becomes or is inserted 'queued', so
// sidecars LISTENing on that channel dispatch at once instead of polling (JobNotifyListener).
// It is an extra beside edge3's schema, never part of it: the function and trigger are named
// edgectl_*, Airflow's alembic migrations neither know nor touch them (a migration that drops
// and recreates edge_job drops the trigger with it; `edgectl db check` then says so and sidecars
// fall back to polling), and removing it (`edgectl db init --without-notify`, or the statements
// of NotifyTriggerRemovalSql()) leaves edge3 untouched. Sidecars never depend on it: without it
// they poll as before.
//
// Cost on Airflow's side: one pg_notify per queued row in the inserting transaction; PostgreSQL
// folds identical (channel, payload) notifications of one transaction into one, so a scheduler
// loop queueing 1,000 tasks to 3 queues sends 3 notifications, delivered at commit.
#ifndef EDGECTL_CONTROLPLANE_DB_NOTIFY_TRIGGER_H_
#define EDGECTL_CONTROLPLANE_DB_NOTIFY_TRIGGER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pqxx/pqxx"

namespace edgectl::db {

// The LISTEN/NOTIFY channel; the payload is the job's queue.
inline constexpr char kNotifyChannel[] = "edgectl_edge_job";
inline constexpr char kNotifyFunction[] = "edgectl_edge_job_notify";
inline constexpr char kNotifyTrigger[] = "edgectl_edge_job_notify";

// Creates (or replaces) the function and the trigger in one transaction. Idempotent. Needs
// edge_job to exist (run after CreateSchema) and the right to create triggers on it (its owner).
absl::Status InstallNotifyTrigger(pqxx::connection& conn);
// Drops the trigger and the function (nothing when absent). Idempotent.
absl::Status RemoveNotifyTrigger(pqxx::connection& conn);
// Whether the trigger is on edge_job (and enabled). False when edge_job does not exist.
absl::StatusOr<bool> NotifyTriggerInstalled(pqxx::connection& conn);
// Whether the trigger is installed, readable from within any transaction (one catalogue query).
bool NotifyTriggerInstalledIn(pqxx::transaction_base& tx);
// The SQL that removes it by hand (documented for DBAs).
std::string NotifyTriggerRemovalSql();

}  // namespace edgectl::db

#endif  // EDGECTL_CONTROLPLANE_DB_NOTIFY_TRIGGER_H_
