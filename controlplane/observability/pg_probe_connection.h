// File: controlplane/observability/pg_probe_connection.h
//
// The one PostgreSQL connection behind /metrics' fleet gauges and /readyz. It is the sidecar's
// own (opened on first use, re-opened after a failure, 5 s connect and statement timeouts), not
// one of the dispatcher's pool, so a scrape or a probe can never take a connection dispatch needs
// and a stuck database answers within seconds. Calls are serialised. Nothing here writes.
#ifndef EDGECTL_CONTROLPLANE_OBSERVABILITY_PG_PROBE_CONNECTION_H_
#define EDGECTL_CONTROLPLANE_OBSERVABILITY_PG_PROBE_CONNECTION_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "pqxx/pqxx"

namespace edgectl::controlplane {

// The fleet as the metadata database sees it, in one statement.
struct FleetSnapshot {
  struct Group {
    int64_t count = 0;
    double oldest_age_seconds = 0;  // now() - the oldest last_update / queued_dttm
  };
  std::map<std::string, Group> workers_by_state;  // edge_worker
  std::map<std::string, Group> queued_by_queue;   // edge_job rows in state 'queued'
};

// What the fleet gauges and the readiness probe read.
class FleetDatabase {
 public:
  virtual ~FleetDatabase() = default;
  // OK when PostgreSQL answers `SELECT 1`; UNAVAILABLE naming the cause otherwise.
  virtual absl::Status Ping() = 0;
  virtual absl::StatusOr<FleetSnapshot> ReadFleet() = 0;
};

class PgProbeConnection : public FleetDatabase {
 public:
  explicit PgProbeConnection(std::string libpq_dsn);

  absl::Status Ping() override;
  absl::StatusOr<FleetSnapshot> ReadFleet() override;

 private:
  absl::Status OpenLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string dsn_;
  absl::Mutex mu_;
  std::unique_ptr<pqxx::connection> conn_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_OBSERVABILITY_PG_PROBE_CONNECTION_H_
