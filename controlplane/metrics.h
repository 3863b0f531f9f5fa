// File: controlplane/metrics.h
//
// The sidecar's Prometheus metrics, rendered in the text exposition format (version 0.0.4) by
// RenderPrometheusText(). Counters and the REST latency histogram are updated from many threads;
// the connected-workers gauge is read from a callback at render time so it is never stale.
//   edgectl_controlplane_workers_connected                    gauge
//   edgectl_controlplane_jobs_dispatched_total                counter
//   edgectl_controlplane_dispatches_requeued_total            counter
//   edgectl_controlplane_job_state_duplicates_total           counter
//   edgectl_controlplane_rest_request_duration_seconds{endpoint}   histogram
//   edgectl_controlplane_rest_errors_total{endpoint,code}     counter
//   edgectl_controlplane_calls_refused_total{reason}          counter (unauthenticated, ...)
//   edgectl_controlplane_claims_total{outcome}                counter (granted, refused)
//   edgectl_controlplane_dispatch_latency_seconds             histogram (queued -> claimed)
// The dispatch latencies also go to a DispatchLatencyLog (the last hour per minute, recent jobs)
// that the fleet page reads: the page and /metrics are fed by the same observation.
#ifndef EDGECTL_CONTROLPLANE_METRICS_H_
#define EDGECTL_CONTROLPLANE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/clock.h"
#include "controlplane/dispatch_counters.h"
#include "controlplane/dispatch_latency_log.h"

namespace edgectl::controlplane {

class Metrics {
 public:
  // Histogram bucket upper bounds in seconds.
  static constexpr std::array<double, 12> kLatencyBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

  void SetConnectedWorkersSource(std::function<size_t()> source);
  void JobDispatched() { jobs_dispatched_.fetch_add(1); }
  void DispatchRequeued() { dispatches_requeued_.fetch_add(1); }
  void JobStateDuplicate() { job_state_duplicates_.fetch_add(1); }
  void CallRefused(const std::string& reason);
  void ClaimDecided(bool granted) { (granted ? claims_granted_ : claims_refused_).fetch_add(1); }
  void RecordRestCall(const std::string& endpoint, absl::Duration latency,
                      const absl::Status& status);
  // A job try reached a worker: its claim was granted `latency` after it was queued.
  void DispatchLatencyObserved(const std::string& job_id, absl::Duration latency);
  // The clock DispatchLatencyLog minutes are taken from (default: the system clock; must
  // outlive this object).
  void SetClock(const Clock& clock) { clock_ = &clock; }

  uint64_t jobs_dispatched() const { return jobs_dispatched_.load(); }
  uint64_t dispatches_requeued() const { return dispatches_requeued_.load(); }
  uint64_t calls_refused(const std::string& reason) const;
  uint64_t claims_granted() const { return claims_granted_.load(); }
  uint64_t claims_refused() const { return claims_refused_.load(); }
  size_t connected_workers() const;
  const DispatchLatencyLog& dispatch_latency() const { return dispatch_latency_; }
  DispatchCounters& dispatch() { return dispatch_counters_; }
  const DispatchCounters& dispatch() const { return dispatch_counters_; }

  std::string RenderPrometheusText() const;
  // Metrics another component renders itself (appended to RenderPrometheusText at render time).
  void AddSection(std::function<void(std::string*)> render);

 private:
  struct Histogram {
    std::array<uint64_t, kLatencyBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };

  SystemClock system_clock_;
  const Clock* clock_ = &system_clock_;
  DispatchLatencyLog dispatch_latency_;
  DispatchCounters dispatch_counters_;
  std::atomic<uint64_t> jobs_dispatched_{0};
  std::atomic<uint64_t> dispatches_requeued_{0};
  std::atomic<uint64_t> job_state_duplicates_{0};
  std::atomic<uint64_t> claims_granted_{0};
  std::atomic<uint64_t> claims_refused_{0};
  mutable absl::Mutex mu_;
  std::function<size_t()> connected_workers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Histogram> latency_ ABSL_GUARDED_BY(mu_);
  Histogram dispatch_histogram_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, uint64_t> errors_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> refused_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void(std::string*)>> sections_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_METRICS_H_
