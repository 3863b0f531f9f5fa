#include "controlplane/observability/pg_probe_connection.h"

#include "controlplane/db/pg_status.h"

namespace edgectl::controlplane {

PgProbeConnection::PgProbeConnection(std::string libpq_dsn)
    : dsn_(libpq_dsn.find("connect_timeout") == std::string::npos
               ? libpq_dsn + (libpq_dsn.empty() ? "" : " ") + "connect_timeout=5"
               : libpq_dsn) {}

absl::Status PgProbeConnection::OpenLocked() {
  if (conn_ != nullptr && conn_->is_open()) return absl::OkStatus();
  try {
    conn_ = std::make_unique<pqxx::connection>(dsn_);
    pqxx::nontransaction(*conn_).exec0("SET statement_timeout = '5s'");
    return absl::OkStatus();
  } catch (...) {
    conn_.reset();
    return db::StatusFromCurrentException("connect to PostgreSQL for /readyz and /metrics");
  }
}

absl::Status PgProbeConnection::Ping() {
  absl::MutexLock lock(&mu_);
  if (absl::Status open = OpenLocked(); !open.ok()) return open;
  try {
    pqxx::nontransaction(*conn_).exec1("SELECT 1");
    return absl::OkStatus();
  } catch (...) {
    conn_.reset();
    return db::StatusFromCurrentException("ping PostgreSQL");
  }
}

absl::StatusOr<FleetSnapshot> PgProbeConnection::ReadFleet() {
  absl::MutexLock lock(&mu_);
  if (absl::Status open = OpenLocked(); !open.ok()) return open;
  try {
    pqxx::read_transaction tx(*conn_);
    // Both groupings in one round trip; the queued part reads only the 'queued' range of
    // rj_order (it starts with state), as the dispatch query does.
    pqxx::result rows = tx.exec(
        "SELECT 'w', state, count(*), "
        "       coalesce(extract(epoch FROM now() - min(last_update)), 0)::float8 "
        "FROM edge_worker GROUP BY state "
        "UNION ALL "
        "SELECT 'q', queue, count(*), "
        "       coalesce(extract(epoch FROM now() - min(queued_dttm)), 0)::float8 "
        "FROM edge_job WHERE state = 'queued' GROUP BY queue");
    FleetSnapshot snapshot;
    for (const pqxx::row& r : rows) {
      FleetSnapshot::Group group{r[2].as<int64_t>(), r[3].as<double>()};
      auto& into = r[0].as<std::string>() == "w" ? snapshot.workers_by_state
                                                  : snapshot.queued_by_queue;
      into[r[1].is_null() ? "" : r[1].as<std::string>()] = group;
    }
    return snapshot;
  } catch (...) {
    absl::Status status = db::StatusFromCurrentException("read the fleet for /metrics");
    if (absl::IsUnavailable(status)) conn_.reset();
    return status;
  }
}

}  // namespace edgectl::controlplane
