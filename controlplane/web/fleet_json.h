// File: controlplane/web/fleet_json.h
//
// The JSON answers of the fleet page's API (/api/workers, /api/jobs, /api/summary, /api/log).
// Workers carry exactly the fields and values of `edgectl list-workers -o json` (built by
// admin::WorkerListingRecords, the same code), followed by what only the database's other
// columns and this sidecar know: heartbeat time and age, versions, and the live link (auth
// method, peer, connected since) when the worker's stream is open on this sidecar. Times are
// ISO 8601 UTC strings; durations are numbers with their unit in the name. Values are data,
// never markup: Dump() escapes per JSON (and replaces invalid UTF-8), the page puts them into
// the DOM as text.
#ifndef EDGECTL_CONTROLPLANE_WEB_FLEET_JSON_H_
#define EDGECTL_CONTROLPLANE_WEB_FLEET_JSON_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "controlplane/dispatch_latency_log.h"
#include "controlplane/metrics.h"
#include "controlplane/web/fleet_queries.h"
#include "controlplane/worker_registry.h"
#include "nlohmann/json.hpp"

namespace edgectl::web {

// "2026-01-02T03:04:05.678Z"
std::string IsoTime(absl::Time t);

nlohmann::json WorkersJson(const WorkerList& list,
                           const std::vector<controlplane::SessionView>& sessions,
                           absl::Time now);
nlohmann::json JobsJson(const JobList& list, const controlplane::DispatchLatencyLog& latency,
                        absl::Time now);
nlohmann::json LogJson(const JobRef& job, const LogSlice& slice);
nlohmann::json SummaryJson(const WorkerList& workers, const JobCounts& counts,
                           const controlplane::Metrics& metrics, absl::Time now);

// Compact JSON text; invalid UTF-8 (never expected from PostgreSQL) becomes U+FFFD.
std::string Dump(const nlohmann::json& value);

}  // namespace edgectl::web

#endif  // EDGECTL_CONTROLPLANE_WEB_FLEET_JSON_H_
