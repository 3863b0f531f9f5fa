// File: bench/bench_report.h
//
// The benchmark's results as one JSON document (written to --json_out) and as the plain-text
// report printed at the end of a run (rendered from that same document, so both always agree).
#ifndef EDGECTL_BENCH_BENCH_REPORT_H_
#define EDGECTL_BENCH_BENCH_REPORT_H_

#include <string>

#include "bench/bench_phases.h"
#include "bench/page_viewers.h"
#include "nlohmann/json.hpp"

namespace edgectl::bench {

struct BenchParameters {
  int edgectl_workers = 1000;
  int edge3_workers = 50;
  JobSpacing edgectl_jobs;
  JobSpacing edge3_jobs;
  absl::Duration job_poll_interval = absl::Seconds(5);
  absl::Duration heartbeat_interval = absl::Seconds(30);
  absl::Duration dispatch_poll_interval = absl::Milliseconds(20);
  double idle_time_scale = 10;
  absl::Duration idle_window = absl::Seconds(12);
  uint32_t seed = 1;
  int page_viewers = 100;  // 0: no phase with open fleet pages
  absl::Duration pg_idle_window = absl::Seconds(5);
  bool notify_trigger = true;
  int burst_jobs = 2000;  // 0: no burst phase
  int workers_per_connection = 50;
  bool sidecar_process = true;
};

// The sidecar process's memory and CPU along the run (zero when it ran in the benchmark's
// process).
struct SidecarUsageResult {
  bool measured = false;
  int connections = 0;           // HTTP/2 connections the simulated workers shared
  ProcessUsage started;          // before any worker registered
  ProcessUsage registered;       // every worker registered (connections open, no streams)
  ProcessUsage connected;        // every worker's stream welcomed
  ProcessUsage after_leave;      // every worker gone (streams cancelled, connections closed), +5 s
  absl::Duration connect_time;   // registrations + streams
  double idle_cpu_s = 0;         // CPU during the idle PostgreSQL window
};

struct BenchResults {
  EdgectlDispatchResult edgectl_dispatch;
  Edge3DispatchResult edge3_dispatch;
  IdleCostResult edgectl_idle;
  IdleCostResult edge3_idle;
  // The edgectl dispatch latency measured again while page_viewers fleet pages poll the sidecar.
  EdgectlDispatchResult edgectl_dispatch_with_viewers;
  PageViewerTally viewers;
  // PostgreSQL statements in the edgectl database while the connected fleet sits idle (no
  // heartbeats, nothing queued): the sidecar's own polling.
  int64_t idle_pg_statements = 0;
  // Statements during the idle REST windows (the double's, i.e. Airflow's, included), at the
  // scaled intervals; edgectl's includes the sidecar's own.
  int64_t edgectl_idle_window_pg_statements = 0;
  int64_t edge3_idle_window_pg_statements = 0;
  BurstResult burst;
  SidecarUsageResult sidecar;
};

nlohmann::json ReportJson(const BenchParameters& p, const BenchResults& r);
std::string ReportText(const nlohmann::json& report);

}  // namespace edgectl::bench

#endif  // EDGECTL_BENCH_BENCH_REPORT_H_
