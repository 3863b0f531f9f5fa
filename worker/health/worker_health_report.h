// File: worker/health/worker_health_report.h
//
// A WorkerSnapshot as the worker's health endpoint serves it:
//   /status   JSON: {"worker_name", "state", "jobs": [...], "job_count", "concurrency",
//             "free_slots", "maintenance", "maintenance_comments", "drain",
//             "sidecar": {"address", "connected", "since", "disconnects"},
//             "last_heartbeat", "heartbeats": {"ok", "failed"}, "edgectl_version"}
//             (the status file's fields, named as `edgectl worker status` reads them, plus the link);
//   /metrics  Prometheus families edgectl_worker_* (below), build info and process metrics.
// Times are ISO 8601 UTC, or null when the event has not happened yet.
#ifndef EDGECTL_WORKER_HEALTH_WORKER_HEALTH_REPORT_H_
#define EDGECTL_WORKER_HEALTH_WORKER_HEALTH_REPORT_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "prometheus/metric_family.h"
#include "worker/health/worker_status_board.h"

namespace edgectl::worker {

std::string StatusJson(const WorkerSnapshot& snapshot);

//   edgectl_worker_state{state}                 gauge, 1 for the current state
//   edgectl_worker_jobs_running                 gauge
//   edgectl_worker_concurrency                  gauge
//   edgectl_worker_free_slots                   gauge (offered to the dispatcher)
//   edgectl_worker_maintenance / _draining      gauge 0/1
//   edgectl_worker_sidecar_connected            gauge 0/1
//   edgectl_worker_sidecar_disconnects_total    counter
//   edgectl_worker_heartbeats_total{outcome}    counter (ok, failed)
//   edgectl_worker_last_heartbeat_timestamp_seconds gauge (absent before the first)
//   edgectl_worker_jobs_accepted_total          counter
std::vector<prometheus::MetricFamily> WorkerMetricFamilies(const WorkerSnapshot& snapshot);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_HEALTH_WORKER_HEALTH_REPORT_H_
