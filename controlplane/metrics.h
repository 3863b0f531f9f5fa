// File: controlplane/metrics.h
//
// The sidecar's Prometheus metrics, kept with prometheus-cpp (common/metrics/) and rendered by its
// text serializer (format 0.0.4). Components report through the named methods below, from any
// thread; values that are read rather than counted are collected at scrape time.
// Counted here:
//   edgectl_controlplane_jobs_dispatched_total                counter
//   edgectl_controlplane_dispatches_requeued_total            counter
//   edgectl_controlplane_job_state_duplicates_total           counter
//   edgectl_controlplane_rest_request_duration_seconds{endpoint}   histogram
//   edgectl_controlplane_rest_errors_total{endpoint,code}     counter
//   edgectl_controlplane_calls_refused_total{reason}          counter (unauthenticated, ...)
//   edgectl_controlplane_claims_total{outcome}                counter (granted, refused)
//   edgectl_controlplane_dispatch_latency_seconds             histogram (queued -> claimed)
//   edgectl_controlplane_log_lag_seconds                      histogram (worker read -> edge_logs)
//   edgectl_controlplane_log_bytes_stored_total               counter
// Read at scrape time:
//   edgectl_controlplane_workers_connected                    gauge
//   edgectl_controlplane_build_info{version,commit}, process_*  (common/metrics/process_metrics.h)
// Other components add their own families to scrape(): the relay's, and the fleet gauges
// (workers by state, heartbeat age, queued jobs by queue: controlplane/observability/).
// The dispatch latencies also go to a DispatchLatencyLog (the last hour per minute, recent jobs)
// that the fleet page reads: the page and /metrics are fed by the same observation.
#ifndef EDGECTL_CONTROLPLANE_METRICS_H_
#define EDGECTL_CONTROLPLANE_METRICS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/metrics/scrape_registry.h"
#include "controlplane/clock.h"
#include "controlplane/dispatch_counters.h"
#include "controlplane/dispatch_latency_log.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"

namespace edgectl::controlplane {

class Metrics {
 public:
  // Histogram bucket upper bounds in seconds.
  static const std::vector<double>& LatencyBuckets();

  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void SetConnectedWorkersSource(std::function<size_t()> source);
  void JobDispatched() { jobs_dispatched_.Increment(); }
  void DispatchRequeued() { dispatches_requeued_.Increment(); }
  void JobStateDuplicate() { job_state_duplicates_.Increment(); }
  void CallRefused(const std::string& reason);
  void ClaimDecided(bool granted) { (granted ? claims_granted_ : claims_refused_).Increment(); }
  void RecordRestCall(const std::string& endpoint, absl::Duration latency,
                      const absl::Status& status);
  // A job try reached a worker: its claim was granted `latency` after it was queued.
  void DispatchLatencyObserved(const std::string& job_id, absl::Duration latency);
  // A log chunk reached edge_logs `lag` after the worker read it; `new_bytes` were new.
  void LogChunkStored(absl::Duration lag, uint64_t new_bytes);
  // The clock DispatchLatencyLog minutes are taken from (default: the system clock; must
  // outlive this object).
  void SetClock(const Clock& clock) { clock_ = &clock; }

  uint64_t jobs_dispatched() const { return static_cast<uint64_t>(jobs_dispatched_.Value()); }
  uint64_t dispatches_requeued() const {
    return static_cast<uint64_t>(dispatches_requeued_.Value());
  }
  uint64_t calls_refused(const std::string& reason) const;
  uint64_t claims_granted() const { return static_cast<uint64_t>(claims_granted_.Value()); }
  uint64_t claims_refused() const { return static_cast<uint64_t>(claims_refused_.Value()); }
  size_t connected_workers() const;
  const DispatchLatencyLog& dispatch_latency() const { return dispatch_latency_; }
  DispatchCounters& dispatch() { return dispatch_counters_; }
  const DispatchCounters& dispatch() const { return dispatch_counters_; }

  // Where other components register their families and scrape-time collectors.
  metrics::ScrapeRegistry& scrape() { return scrape_; }
  std::string RenderPrometheusText() const { return scrape_.RenderText(); }

 private:
  std::vector<prometheus::MetricFamily> CollectReadings() const;

  SystemClock system_clock_;
  const Clock* clock_ = &system_clock_;
  DispatchLatencyLog dispatch_latency_;
  DispatchCounters dispatch_counters_;
  metrics::ScrapeRegistry scrape_;
  prometheus::Counter& jobs_dispatched_;
  prometheus::Counter& dispatches_requeued_;
  prometheus::Counter& job_state_duplicates_;
  prometheus::Family<prometheus::Histogram>& rest_latency_;
  prometheus::Family<prometheus::Counter>& rest_errors_;
  prometheus::Family<prometheus::Counter>& refused_;
  prometheus::Counter& claims_granted_;
  prometheus::Counter& claims_refused_;
  prometheus::Histogram& dispatch_histogram_;
  prometheus::Histogram& log_lag_;
  prometheus::Counter& log_bytes_stored_;
  mutable absl::Mutex mu_;
  std::function<size_t()> connected_workers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_METRICS_H_
