#include "controlplane/metrics.h"

#include <utility>

#include "absl/status/status.h"
#include "common/metrics/process_metrics.h"

namespace edgectl::controlplane {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildHistogram;

// Log lag spans a local write (ms) to a backlog shipped after an outage (minutes).
const std::vector<double>& LogLagBuckets() {
  static const auto* buckets =
      new std::vector<double>{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
  return *buckets;
}

}  // namespace

const std::vector<double>& Metrics::LatencyBuckets() {
  static const auto* buckets = new std::vector<double>{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                       0.1,   0.25,   0.5,   1,    2.5,   10};
  return *buckets;
}

Metrics::Metrics()
    : jobs_dispatched_(BuildCounter()
                           .Name("edgectl_controlplane_jobs_dispatched_total")
                           .Help("Jobs pushed down a worker stream.")
                           .Register(scrape_.registry())
                           .Add({})),
      dispatches_requeued_(BuildCounter()
                               .Name("edgectl_controlplane_dispatches_requeued_total")
                               .Help("Dispatched jobs put back to queued (write failed or no "
                                     "acknowledgement in time).")
                               .Register(scrape_.registry())
                               .Add({})),
      job_state_duplicates_(BuildCounter()
                                .Name("edgectl_controlplane_job_state_duplicates_total")
                                .Help("Job state reports recognised as repeats and not resent "
                                      "to Airflow.")
                                .Register(scrape_.registry())
                                .Add({})),
      rest_latency_(BuildHistogram()
                        .Name("edgectl_controlplane_rest_request_duration_seconds")
                        .Help("Latency of calls to Airflow's REST edge API.")
                        .Register(scrape_.registry())),
      rest_errors_(BuildCounter()
                       .Name("edgectl_controlplane_rest_errors_total")
                       .Help("Failed calls to Airflow's REST edge API by endpoint and status "
                             "code.")
                       .Register(scrape_.registry())),
      refused_(BuildCounter()
                   .Name("edgectl_controlplane_calls_refused_total")
                   .Help("Worker calls refused before any work, by reason (unauthenticated, "
                         "permission_denied, invalid_argument, resource_exhausted).")
                   .Register(scrape_.registry())),
      claims_granted_(BuildCounter()
                          .Name("edgectl_controlplane_claims_total")
                          .Help("Job claims decided in PostgreSQL, by outcome (granted: the "
                                "worker may start the try; refused: taken back).")
                          .Register(scrape_.registry())
                          .Add({{"outcome", "granted"}})),
      claims_refused_(BuildCounter()
                          .Name("edgectl_controlplane_claims_total")
                          .Register(scrape_.registry())
                          .Add({{"outcome", "refused"}})),
      dispatch_histogram_(BuildHistogram()
                              .Name("edgectl_controlplane_dispatch_latency_seconds")
                              .Help("From a job's queued_dttm to its worker's claim being "
                                    "granted (PostgreSQL's clock).")
                              .Register(scrape_.registry())
                              .Add({}, LatencyBuckets())),
      log_lag_(BuildHistogram()
                   .Name("edgectl_controlplane_log_lag_seconds")
                   .Help("From the worker reading a chunk of a task's log to the chunk being "
                         "stored in edge_logs.")
                   .Register(scrape_.registry())
                   .Add({}, LogLagBuckets())),
      log_bytes_stored_(BuildCounter()
                            .Name("edgectl_controlplane_log_bytes_stored_total")
                            .Help("Task log bytes this sidecar stored in edge_logs (re-sent "
                                  "bytes already there not counted).")
                            .Register(scrape_.registry())
                            .Add({})) {
  scrape_.AddCollector([this] { return CollectReadings(); });
  scrape_.AddCollector([this] { return dispatch_counters_.Collect(); });
  scrape_.AddCollector([] {
    std::vector<prometheus::MetricFamily> out = metrics::CollectProcessMetrics();
    out.push_back(metrics::BuildInfoFamily("edgectl_controlplane"));
    return out;
  });
}

void Metrics::SetConnectedWorkersSource(std::function<size_t()> source) {
  absl::MutexLock lock(&mu_);
  connected_workers_ = std::move(source);
}

void Metrics::RecordRestCall(const std::string& endpoint, absl::Duration latency,
                             const absl::Status& status) {
  rest_latency_.Add({{"endpoint", endpoint}}, LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(latency));
  if (!status.ok()) {
    rest_errors_.Add({{"endpoint", endpoint}, {"code", absl::StatusCodeToString(status.code())}})
        .Increment();
  }
}

void Metrics::DispatchLatencyObserved(const std::string& job_id, absl::Duration latency) {
  dispatch_latency_.Record(job_id, latency, clock_->Now());
  dispatch_histogram_.Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::LogChunkStored(absl::Duration lag, uint64_t new_bytes) {
  log_lag_.Observe(std::max(0.0, absl::ToDoubleSeconds(lag)));
  log_bytes_stored_.Increment(static_cast<double>(new_bytes));
}

size_t Metrics::connected_workers() const {
  absl::MutexLock lock(&mu_);
  return connected_workers_ ? connected_workers_() : 0;
}

void Metrics::CallRefused(const std::string& reason) { refused_.Add({{"reason", reason}}).Increment(); }

uint64_t Metrics::calls_refused(const std::string& reason) const {
  const std::map<std::string, std::string> labels = {{"reason", reason}};
  if (!refused_.Has(labels)) return 0;
  // A reference member is not const in a const method: Add() of an existing label set only
  // looks it up.
  return static_cast<uint64_t>(refused_.Add(labels).Value());
}

std::vector<prometheus::MetricFamily> Metrics::CollectReadings() const {
  prometheus::MetricFamily connected = metrics::GaugeFamily(
      "edgectl_controlplane_workers_connected", "Workers with an open Connect stream to this sidecar.");
  absl::MutexLock lock(&mu_);
  metrics::AddSample(connected, {}, connected_workers_ ? connected_workers_() : 0);
  std::vector<prometheus::MetricFamily> out;
  out.push_back(std::move(connected));
  return out;
}

}  // namespace edgectl::controlplane
