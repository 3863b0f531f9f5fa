#include "controlplane/observability/fleet_gauges.h"

#include <utility>

#include "common/metrics/scrape_registry.h"

namespace edgectl::controlplane {

std::vector<prometheus::MetricFamily> FleetGauges::Collect() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_.Now();
  if (now - read_at_ >= ttl_) {
    absl::StatusOr<FleetSnapshot> read = database_.ReadFleet();
    read_at_ = now;
    if (read.ok()) {
      snapshot_ = *std::move(read);
    } else {
      snapshot_.reset();
      ++read_errors_;
    }
  }
  prometheus::MetricFamily errors = metrics::CounterFamily(
      "edgectl_controlplane_fleet_read_errors_total",
      "Scrapes whose fleet gauges could not be read from the metadata database.");
  metrics::AddSample(errors, {}, static_cast<double>(read_errors_));
  std::vector<prometheus::MetricFamily> out;
  out.push_back(std::move(errors));
  if (!snapshot_.has_value()) return out;

  prometheus::MetricFamily workers = metrics::GaugeFamily(
      "edgectl_controlplane_fleet_workers", "Edge workers in edge_worker, by state.");
  prometheus::MetricFamily heartbeat = metrics::GaugeFamily(
      "edgectl_controlplane_fleet_worker_heartbeat_age_max_seconds",
      "Age of the oldest last heartbeat (edge_worker.last_update) among the workers in a state.");
  for (const auto& [state, group] : snapshot_->workers_by_state) {
    metrics::AddSample(workers, {{"state", state}}, static_cast<double>(group.count));
    metrics::AddSample(heartbeat, {{"state", state}}, group.oldest_age_seconds);
  }
  prometheus::MetricFamily queued = metrics::GaugeFamily(
      "edgectl_controlplane_fleet_jobs_queued", "Edge jobs waiting in state queued, by queue.");
  prometheus::MetricFamily queued_age = metrics::GaugeFamily(
      "edgectl_controlplane_fleet_job_queued_age_max_seconds",
      "How long the oldest queued edge job of a queue has waited.");
  for (const auto& [queue, group] : snapshot_->queued_by_queue) {
    metrics::AddSample(queued, {{"queue", queue}}, static_cast<double>(group.count));
    metrics::AddSample(queued_age, {{"queue", queue}}, group.oldest_age_seconds);
  }
  out.push_back(std::move(workers));
  out.push_back(std::move(heartbeat));
  out.push_back(std::move(queued));
  out.push_back(std::move(queued_age));
  return out;
}

}  // namespace edgectl::controlplane
