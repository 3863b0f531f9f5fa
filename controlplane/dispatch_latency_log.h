// File: controlplane/dispatch_latency_log.h
//
// How fast queued jobs reach workers through this sidecar, kept small and in memory for the fleet
// page (controlplane/web/): the latency of each dispatch is "queued -> claimed", from the job's
// queued_dttm to the moment PostgreSQL confirmed the worker's claim (both read on the database's
// clock, so a skewed sidecar clock does not distort it). It is observed once per job, where the
// claim is granted (JobClaims), and also feeds /metrics' edgectl_controlplane_dispatch_latency
// histogram, so the page and the scrape show the same numbers.
//
// Two bounded views:
//   - per-minute aggregates of the last hour (a ring of 60 minutes: count, sum, max, and counts
//     per Metrics::kLatencyBuckets bucket, from which LastHour() estimates p50 and p99);
//   - the latency of the most recent kRecentJobs dispatches by job, so the jobs table can show it.
// Memory is constant whatever the load. Thread-safe.
#ifndef EDGECTL_CONTROLPLANE_DISPATCH_LATENCY_LOG_H_
#define EDGECTL_CONTROLPLANE_DISPATCH_LATENCY_LOG_H_

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace edgectl::controlplane {

// Bucket upper bounds in seconds (the same as the REST latency histogram's).
inline constexpr std::array<double, 12> kDispatchLatencyBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

// One minute of dispatches. Percentiles are bucket upper bounds (the largest observed value
// when it lies past the last bucket): an estimate, as Prometheus' histogram_quantile gives.
struct LatencyMinute {
  absl::Time minute;  // start of the minute (UTC)
  uint64_t count = 0;
  double sum_seconds = 0;
  double max_seconds = 0;
  double p50_seconds = 0;
  double p99_seconds = 0;
};

// The id Record() and ForJob() take for one job try (edge_job's key without the task instance id).
std::string DispatchJobId(const std::string& dag_id, const std::string& task_id,
                          const std::string& run_id, int map_index, int try_number);

class DispatchLatencyLog {
 public:
  static constexpr int kMinutes = 60;
  static constexpr size_t kRecentJobs = 2000;

  // `job_id` identifies the job try (JobId() of its key); `at` is when it was observed.
  void Record(const std::string& job_id, absl::Duration latency, absl::Time at);

  // The minutes of the hour ending at `now`, oldest first, with dispatches (empty minutes are
  // left out).
  std::vector<LatencyMinute> LastHour(absl::Time now) const;
  // Aggregate over the hour ending at `now` (minute = the first minute counted).
  LatencyMinute HourTotal(absl::Time now) const;
  // Latency of a recent dispatch of this job try, if this sidecar made it.
  std::optional<absl::Duration> ForJob(const std::string& job_id) const;

 private:
  struct Slot {
    int64_t minute = -1;  // minutes since the epoch; -1 = never used
    uint64_t count = 0;
    double sum = 0;
    double max = 0;
    std::array<uint64_t, kDispatchLatencyBuckets.size() + 1> buckets{};  // last: beyond
  };
  static LatencyMinute Summarise(const Slot& slot);

  mutable absl::Mutex mu_;
  std::array<Slot, kMinutes> ring_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Duration> recent_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> recent_order_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_DISPATCH_LATENCY_LOG_H_
