// File: bench/bench_phases.h
//
// The benchmark's measurements, each on a running BenchStack:
//   MeasureEdgectlDispatch  queued (row committed) -> job read from the worker's stream, and ->
//                           its ReportJobState(running) acknowledged, one job at a time at
//                           random spacing, each addressed to a random worker's own queue.
//   MeasureEdge3Dispatch    the same jobs' path under edge3: queued -> jobs/fetch returned it to
//                           the polling worker whose queue it is in.
//   CountIdleRestCalls      REST calls reaching the Airflow API double per endpoint while a fleet
//                           sits idle for a window (caller runs the fleet; this counts).
// Each returns what it measured; a job that never arrived is counted as missing, not dropped.
#ifndef EDGECTL_BENCH_BENCH_PHASES_H_
#define EDGECTL_BENCH_BENCH_PHASES_H_

#include <functional>
#include <map>
#include <random>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/bench_stack.h"
#include "bench/edge3_fleet.h"
#include "bench/edgectl_fleet.h"
#include "bench/latency_stats.h"

namespace edgectl::bench {

struct JobSpacing {
  int jobs = 200;
  absl::Duration max_gap = absl::Milliseconds(100);  // gaps uniform in [0, max_gap)
};

struct EdgectlDispatchResult {
  LatencySummary delivered;     // queued -> job read from the stream
  LatencySummary acknowledged;  // queued -> ReportJobState(running) returned OK
  int jobs = 0;
  int missing = 0;  // not delivered or not acknowledged in time
  std::map<std::string, int64_t> rest_calls;  // during the phase, per endpoint
};

struct Edge3DispatchResult {
  LatencySummary fetched;  // queued -> jobs/fetch returned the job
  int jobs = 0;
  int missing = 0;
};

struct IdleCostResult {
  int workers = 0;
  absl::Duration window;
  std::map<std::string, int64_t> rest_calls;  // per endpoint, plus "total"
  // total / workers / window-in-minutes / time_scale: calls per idle worker-minute at the
  // unscaled intervals.
  double per_worker_minute = 0;
  int64_t client_calls = 0;  // calls the simulated workers made (to check nothing was lost)
  int64_t client_failures = 0;
};

// A burst: `jobs` rows committed in one transaction, each to a random worker's queue; from the
// commit until every job's ReportJobState(success) has been answered (each job also had its
// claim = running report acknowledged before), with the PostgreSQL statements in that time.
struct BurstResult {
  int jobs = 0;
  int missing = 0;            // success report not answered OK within the timeout
  absl::Duration insert;      // the transaction inserting the rows
  absl::Duration elapsed;     // commit -> last success report answered
  double jobs_per_second = 0;
  LatencySummary delivered;   // commit -> job read from the stream
  int64_t pg_statements = 0;  // insert included
  double pg_statements_per_second = 0;
  std::map<std::string, int64_t> rest_calls;
  // Where the CPU went in that time (seconds): the sidecar process, this process (the Airflow
  // double and the simulated fleet), and the machine (all cores; PostgreSQL is the rest).
  double sidecar_cpu_s = 0;
  double bench_cpu_s = 0;
  double machine_busy_s = 0;
};

// Requests the double saw since its last reset, per endpoint name, plus "total".
std::map<std::string, int64_t> RestCallCounts(airflow_double::AirflowApiDouble& airflow);

absl::StatusOr<EdgectlDispatchResult> MeasureEdgectlDispatch(BenchStack& stack,
                                                             EdgectlFleet& fleet, int workers,
                                                             const JobSpacing& spacing,
                                                             std::mt19937& rng);

absl::StatusOr<Edge3DispatchResult> MeasureEdge3Dispatch(BenchStack& stack, Edge3Fleet& fleet,
                                                         int workers,
                                                         const Edge3LoopOptions& loop,
                                                         const JobSpacing& spacing,
                                                         std::mt19937& rng);

absl::StatusOr<BurstResult> MeasureBurst(BenchStack& stack, EdgectlFleet& fleet, int workers,
                                         int jobs, std::mt19937& rng);

// Resets the double's counters, runs `idle_fleet` (which must return after `window` with the
// calls its workers made and how many failed), then counts.
IdleCostResult CountIdleRestCalls(
    BenchStack& stack, int workers, absl::Duration window, double time_scale,
    const std::function<std::pair<int64_t, int64_t>()>& idle_fleet);

}  // namespace edgectl::bench

#endif  // EDGECTL_BENCH_BENCH_PHASES_H_
