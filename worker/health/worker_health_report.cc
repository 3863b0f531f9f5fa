#include "worker/health/worker_health_report.h"

#include <utility>

#include "common/build_info.h"
#include "common/metrics/scrape_registry.h"
#include "nlohmann/json.hpp"

namespace edgectl::worker {
namespace {

nlohmann::json Timestamp(absl::Time t) {
  if (t == absl::InfinitePast()) return nullptr;
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

}  // namespace

std::string StatusJson(const WorkerSnapshot& s) {
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& [dag_id, task_id, run_id, try_number, map_index] : s.status.jobs) {
    jobs.push_back({{"dag_id", dag_id},
                    {"task_id", task_id},
                    {"run_id", run_id},
                    {"try_number", try_number},
                    {"map_index", map_index}});
  }
  nlohmann::json out = {
      {"worker_name", s.worker_name},
      {"state", s.published ? nlohmann::json(s.status.state) : nlohmann::json("starting")},
      {"jobs", std::move(jobs)},
      {"job_count", s.status.job_count},
      {"concurrency", s.concurrency},
      {"free_slots", s.free_slots},
      {"maintenance", s.status.maintenance},
      {"maintenance_comments", s.status.maintenance_comments
                                   ? nlohmann::json(*s.status.maintenance_comments)
                                   : nlohmann::json(nullptr)},
      {"drain", s.status.drain},
      {"sidecar",
       {{"address", s.sidecar_address},
        {"connected", s.sidecar_connected},
        {"since", Timestamp(s.sidecar_changed_at)},
        {"disconnects", s.sidecar_disconnects}}},
      {"last_heartbeat", Timestamp(s.last_heartbeat_ok)},
      {"heartbeats", {{"ok", s.heartbeats_ok}, {"failed", s.heartbeats_failed}}},
      {"jobs_accepted", s.jobs_accepted},
      {"edgectl_version", kEdgectlVersion},
  };
  return out.dump();
}

std::vector<prometheus::MetricFamily> WorkerMetricFamilies(const WorkerSnapshot& s) {
  using metrics::AddSample;
  using metrics::CounterFamily;
  using metrics::GaugeFamily;
  std::vector<prometheus::MetricFamily> out;
  auto gauge = [&out](const char* name, const char* help, double value) {
    prometheus::MetricFamily family = GaugeFamily(name, help);
    AddSample(family, {}, value);
    out.push_back(std::move(family));
  };
  prometheus::MetricFamily state =
      GaugeFamily("edgectl_worker_state", "1 for the state the worker reports (edge3's states).");
  if (s.published) AddSample(state, {{"state", s.status.state}}, 1);
  out.push_back(std::move(state));
  gauge("edgectl_worker_jobs_running", "Jobs claimed or running on this worker.",
        s.status.job_count);
  gauge("edgectl_worker_concurrency", "Slots this worker offers ([edge] worker_concurrency).",
        s.concurrency);
  gauge("edgectl_worker_free_slots",
        "Slots offered to the dispatcher now (0 while draining or in maintenance).", s.free_slots);
  gauge("edgectl_worker_maintenance", "1 while the worker is in maintenance.",
        s.status.maintenance ? 1 : 0);
  gauge("edgectl_worker_draining", "1 while the worker drains before exiting.",
        s.status.drain ? 1 : 0);
  gauge("edgectl_worker_sidecar_connected", "1 while the event stream to the sidecar is up.",
        s.sidecar_connected ? 1 : 0);
  prometheus::MetricFamily disconnects = CounterFamily(
      "edgectl_worker_sidecar_disconnects_total", "Times the link to the sidecar went down.");
  AddSample(disconnects, {}, static_cast<double>(s.sidecar_disconnects));
  out.push_back(std::move(disconnects));
  prometheus::MetricFamily heartbeats = CounterFamily(
      "edgectl_worker_heartbeats_total", "Heartbeats sent to the sidecar, by outcome.");
  AddSample(heartbeats, {{"outcome", "ok"}}, static_cast<double>(s.heartbeats_ok));
  AddSample(heartbeats, {{"outcome", "failed"}}, static_cast<double>(s.heartbeats_failed));
  out.push_back(std::move(heartbeats));
  prometheus::MetricFamily last = GaugeFamily(
      "edgectl_worker_last_heartbeat_timestamp_seconds",
      "When the sidecar last answered a heartbeat (seconds since the epoch).");
  if (s.last_heartbeat_ok != absl::InfinitePast()) {
    AddSample(last, {}, absl::ToDoubleSeconds(s.last_heartbeat_ok - absl::UnixEpoch()));
  }
  out.push_back(std::move(last));
  prometheus::MetricFamily accepted = CounterFamily(
      "edgectl_worker_jobs_accepted_total", "Jobs pushed by the sidecar that this worker took on.");
  AddSample(accepted, {}, static_cast<double>(s.jobs_accepted));
  out.push_back(std::move(accepted));
  return out;
}

}  // namespace edgectl::worker
