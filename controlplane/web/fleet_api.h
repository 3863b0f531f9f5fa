// File: controlplane/web/fleet_api.h
//
// The fleet page and its JSON API, mounted on the sidecar's metrics/HTTP server next to /metrics:
//   GET /                      the page (index.html); /assets/fleet.js, /assets/fleet.css
//   GET /api/workers           edge_worker rows as `list-workers -o json` has them, plus
//                              heartbeat age, versions and this sidecar's live link
//   GET /api/jobs?state=&queue=&worker=&dag=&limit=   edge_job rows, newest queued first
//   GET /api/log?dag_id=&task_id=&run_id=&map_index=&try_number=&offset=   edge_logs text
//   GET /api/summary           workers and jobs by state, queued backlog per queue, dispatch
//                              latency per minute over the last hour, dispatch counters
// Read-only by construction: only GET/HEAD routes exist; any other method answers 405 on every
// path. Every answer carries a Content-Security-Policy that allows only this origin's script,
// style and fetches (no inline code), plus nosniff, no framing and no referrer.
// Database reads go through a FleetReader (one connection, one query at a time, answers shared
// for `cache_ttl` across viewers); live facts come from the WorkerRegistry and Metrics, the same
// objects /metrics and dispatch use.
#ifndef EDGECTL_CONTROLPLANE_WEB_FLEET_API_H_
#define EDGECTL_CONTROLPLANE_WEB_FLEET_API_H_

#include <httplib.h>

#include <string>

#include "absl/time/time.h"
#include "controlplane/clock.h"
#include "controlplane/metrics.h"
#include "controlplane/web/fleet_reader.h"
#include "controlplane/worker_registry.h"

namespace edgectl::web {

struct FleetApiOptions {
  std::string libpq_dsn;
  absl::Duration cache_ttl = absl::Seconds(1);
  int64_t max_log_bytes = 256 * 1024;  // per /api/log answer; the page asks again for more
};

class FleetApi {
 public:
  // The registry, metrics and clock must outlive this object.
  FleetApi(FleetApiOptions options, const controlplane::WorkerRegistry& registry,
           const controlplane::Metrics& metrics, const controlplane::Clock& clock);

  // Adds the routes and the security headers to `server` (before it starts listening).
  void Mount(httplib::Server& server);

  const FleetReader& reader() const { return reader_; }

 private:
  void ServeAsset(const std::string& name, httplib::Response& res) const;
  void Workers(const httplib::Request& req, httplib::Response& res);
  void Jobs(const httplib::Request& req, httplib::Response& res);
  void Log(const httplib::Request& req, httplib::Response& res);
  void Summary(const httplib::Request& req, httplib::Response& res);

  const FleetApiOptions options_;
  const controlplane::WorkerRegistry& registry_;
  const controlplane::Metrics& metrics_;
  const controlplane::Clock& clock_;
  FleetReader reader_;
};

}  // namespace edgectl::web

#endif  // EDGECTL_CONTROLPLANE_WEB_FLEET_API_H_
