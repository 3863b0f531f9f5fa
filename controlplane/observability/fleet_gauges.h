// File: controlplane/observability/fleet_gauges.h
//
// Scrape-time gauges of the whole fleet, read from the metadata database (FleetDatabase):
//   edgectl_controlplane_fleet_workers{state}                          gauge
//   edgectl_controlplane_fleet_worker_heartbeat_age_max_seconds{state} gauge (oldest heartbeat)
//   edgectl_controlplane_fleet_jobs_queued{queue}                      gauge
//   edgectl_controlplane_fleet_job_queued_age_max_seconds{queue}       gauge
//   edgectl_controlplane_fleet_read_errors_total                       counter
// Every sidecar on one database reports the same fleet (aggregate with max() across sidecars).
// They are read here rather than taken from the dispatch query because that query does not run
// when no worker is connected, or (with NOTIFY dispatch) while nothing changes: exactly when an
// operator needs to see jobs piling up. A snapshot is kept for `ttl`, so frequent scrapes by
// several Prometheus servers cost the database one grouped statement per ttl. On a read error
// the fleet families are left out (and the error counted) rather than reported as zeros.
#ifndef EDGECTL_CONTROLPLANE_OBSERVABILITY_FLEET_GAUGES_H_
#define EDGECTL_CONTROLPLANE_OBSERVABILITY_FLEET_GAUGES_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/clock.h"
#include "controlplane/observability/pg_probe_connection.h"
#include "prometheus/metric_family.h"

namespace edgectl::controlplane {

class FleetGauges {
 public:
  // `database` and `clock` must outlive this object.
  FleetGauges(FleetDatabase& database, const Clock& clock, absl::Duration ttl = absl::Seconds(5))
      : database_(database), clock_(clock), ttl_(ttl) {}

  std::vector<prometheus::MetricFamily> Collect();

 private:
  FleetDatabase& database_;
  const Clock& clock_;
  const absl::Duration ttl_;
  absl::Mutex mu_;
  std::optional<FleetSnapshot> snapshot_ ABSL_GUARDED_BY(mu_);
  absl::Time read_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  uint64_t read_errors_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_OBSERVABILITY_FLEET_GAUGES_H_
