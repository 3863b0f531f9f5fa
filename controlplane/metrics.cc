#include "controlplane/metrics.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace edgectl::controlplane {

void Metrics::SetConnectedWorkersSource(std::function<size_t()> source) {
  absl::MutexLock lock(&mu_);
  connected_workers_ = std::move(source);
}

void Metrics::RecordRestCall(const std::string& endpoint, absl::Duration latency,
                             const absl::Status& status) {
  const double seconds = absl::ToDoubleSeconds(latency);
  absl::MutexLock lock(&mu_);
  Histogram& h = latency_[endpoint];
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
  if (!status.ok()) ++errors_[{endpoint, absl::StatusCodeToString(status.code())}];
}

void Metrics::AddSection(std::function<void(std::string*)> render) {
  absl::MutexLock lock(&mu_);
  sections_.push_back(std::move(render));
}

void Metrics::DispatchLatencyObserved(const std::string& job_id, absl::Duration latency) {
  dispatch_latency_.Record(job_id, latency, clock_->Now());
  const double seconds = absl::ToDoubleSeconds(latency);
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) ++dispatch_histogram_.buckets[i];
  }
  ++dispatch_histogram_.count;
  dispatch_histogram_.sum += seconds;
}

size_t Metrics::connected_workers() const {
  absl::MutexLock lock(&mu_);
  return connected_workers_ ? connected_workers_() : 0;
}

void Metrics::CallRefused(const std::string& reason) {
  absl::MutexLock lock(&mu_);
  ++refused_[reason];
}

uint64_t Metrics::calls_refused(const std::string& reason) const {
  absl::MutexLock lock(&mu_);
  auto it = refused_.find(reason);
  return it == refused_.end() ? 0 : it->second;
}

std::string Metrics::RenderPrometheusText() const {
  std::string out;
  absl::MutexLock lock(&mu_);
  const size_t connected = connected_workers_ ? connected_workers_() : 0;
  absl::StrAppend(&out,
                  "# HELP edgectl_controlplane_workers_connected Workers with an open Connect "
                  "stream to this sidecar.\n",
                  "# TYPE edgectl_controlplane_workers_connected gauge\n",
                  "edgectl_controlplane_workers_connected ", connected, "\n");
  absl::StrAppend(&out,
                  "# HELP edgectl_controlplane_jobs_dispatched_total Jobs pushed down a worker "
                  "stream.\n",
                  "# TYPE edgectl_controlplane_jobs_dispatched_total counter\n",
                  "edgectl_controlplane_jobs_dispatched_total ", jobs_dispatched_.load(), "\n");
  dispatch_counters_.AppendPrometheusText(&out);
  absl::StrAppend(&out,
                  "# HELP edgectl_controlplane_dispatches_requeued_total Dispatched jobs put back "
                  "to queued (write failed or no acknowledgement in time).\n",
                  "# TYPE edgectl_controlplane_dispatches_requeued_total counter\n",
                  "edgectl_controlplane_dispatches_requeued_total ", dispatches_requeued_.load(),
                  "\n");
  absl::StrAppend(&out,
                  "# HELP edgectl_controlplane_job_state_duplicates_total Job state reports "
                  "recognised as repeats and not resent to Airflow.\n",
                  "# TYPE edgectl_controlplane_job_state_duplicates_total counter\n",
                  "edgectl_controlplane_job_state_duplicates_total ",
                  job_state_duplicates_.load(), "\n");
  absl::StrAppend(&out,
                  "# HELP edgectl_controlplane_rest_request_duration_seconds Latency of calls to "
                  "Airflow's REST edge API.\n",
                  "# TYPE edgectl_controlplane_rest_request_duration_seconds histogram\n");
  for (const auto& [endpoint, h] : latency_) {
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      absl::StrAppend(&out, "edgectl_controlplane_rest_request_duration_seconds_bucket{endpoint=\"",
                      endpoint, "\",le=\"", kLatencyBuckets[i], "\"} ", h.buckets[i], "\n");
    }
    absl::StrAppend(&out, "edgectl_controlplane_rest_request_duration_seconds_bucket{endpoint=\"",
                    endpoint, "\",le=\"+Inf\"} ", h.count, "\n");
    absl::StrAppend(&out, "edgectl_controlplane_rest_request_duration_seconds_sum{endpoint=\"",
                    endpoint, "\"} ", absl::StrFormat("%.6f", h.sum), "\n");
    absl::StrAppend(&out, "edgectl_controlplane_rest_request_duration_seconds_count{endpoint=\"",
                    endpoint, "\"} ", h.count, "\n");
  }
  absl::StrAppend(&out,
                  "# HELP edgectl_controlplane_rest_errors_total Failed calls to Airflow's REST "
                  "edge API by endpoint and status code.\n",
                  "# TYPE edgectl_controlplane_rest_errors_total counter\n");
  for (const auto& [key, count] : errors_) {
    absl::StrAppend(&out, "edgectl_controlplane_rest_errors_total{endpoint=\"", key.first,
                    "\",code=\"", key.second, "\"} ", count, "\n");
  }
  absl::StrAppend(&out,
                  "# HELP edgectl_controlplane_calls_refused_total Worker calls refused before "
                  "any work, by reason (unauthenticated, permission_denied, invalid_argument, "
                  "resource_exhausted).\n",
                  "# TYPE edgectl_controlplane_calls_refused_total counter\n");
  for (const auto& [reason, count] : refused_) {
    absl::StrAppend(&out, "edgectl_controlplane_calls_refused_total{reason=\"", reason, "\"} ",
                    count, "\n");
  }
  absl::StrAppend(&out,
                  "# HELP edgectl_controlplane_claims_total Job claims decided in PostgreSQL, by "
                  "outcome (granted: the worker may start the try; refused: taken back).\n",
                  "# TYPE edgectl_controlplane_claims_total counter\n",
                  "edgectl_controlplane_claims_total{outcome=\"granted\"} ",
                  claims_granted_.load(), "\n",
                  "edgectl_controlplane_claims_total{outcome=\"refused\"} ",
                  claims_refused_.load(), "\n");
  for (const auto& render : sections_) render(&out);
  absl::StrAppend(&out,
                  "# HELP edgectl_controlplane_dispatch_latency_seconds From a job's queued_dttm "
                  "to its worker's claim being granted (PostgreSQL's clock).\n",
                  "# TYPE edgectl_controlplane_dispatch_latency_seconds histogram\n");
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    absl::StrAppend(&out, "edgectl_controlplane_dispatch_latency_seconds_bucket{le=\"",
                    kLatencyBuckets[i], "\"} ", dispatch_histogram_.buckets[i], "\n");
  }
  absl::StrAppend(&out, "edgectl_controlplane_dispatch_latency_seconds_bucket{le=\"+Inf\"} ",
                  dispatch_histogram_.count, "\n",
                  "edgectl_controlplane_dispatch_latency_seconds_sum ",
                  absl::StrFormat("%.6f", dispatch_histogram_.sum), "\n",
                  "edgectl_controlplane_dispatch_latency_seconds_count ",
                  dispatch_histogram_.count, "\n");
  return out;
}

}  // namespace edgectl::controlplane
