// edge_bench: edgectl's push dispatch against edge3's polling, measured in one run on real
// parts (PostgreSQL, the Airflow API double over HTTP, the sidecar over gRPC, the real REST
// client), all on 127.0.0.1. See bench/README.md for what is measured and how to read it.
// Exit status: 0 after a complete run (targets met or not), 1 when the run could not measure
// (setup failed, jobs lost), 2 when it overran --max_run_s.
#include <gflags/gflags.h>
#include <spdlog/spdlog.h>

#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/synchronization/notification.h"
#include "bench/bench_phases.h"
#include "bench/bench_report.h"
#include "bench/bench_stack.h"
#include "bench/edge3_fleet.h"
#include "bench/edgectl_fleet.h"
#include "bench/page_viewers.h"

DEFINE_int32(workers, 1000, "connected edgectl workers");
DEFINE_int32(jobs, 200, "jobs for the edgectl dispatch latency");
DEFINE_int32(job_max_gap_ms, 100, "edgectl jobs are queued with gaps uniform in [0, this)");
DEFINE_int32(edge3_workers, 50, "simulated polling edge3 workers (a thread each; 0: no edge3 baseline)");
DEFINE_int32(edge3_jobs, 20, "jobs for the edge3 dispatch latency");
DEFINE_int32(edge3_job_max_gap_ms, 2000, "edge3 jobs are queued with gaps uniform in [0, this)");
DEFINE_double(job_poll_interval_s, 5, "edge3's [edge] job_poll_interval");
DEFINE_int32(heartbeat_interval_s, 30, "[edge] heartbeat_interval (both systems)");
DEFINE_int32(dispatch_poll_interval_ms, 20, "the sidecar's dispatch poll interval");
DEFINE_int32(idle_time_scale, 10,
             "idle REST count: both sides' intervals divided by this (heartbeat_interval_s must "
             "be a multiple: the sidecar tells workers whole seconds)");
DEFINE_int32(idle_window_s, 12, "idle REST count: window per side, seconds");
DEFINE_int32(seed, 1, "random seed (job targets, gaps, phases)");
DEFINE_int32(max_run_s, 300, "abort the run (exit 2) after this many seconds");
DEFINE_int32(page_viewers, 100,
             "simulated open fleet pages polling the sidecar's /api/ during a second edgectl "
             "dispatch latency measurement (0: skip)");
DEFINE_int32(pg_idle_window_s, 5,
             "count the PostgreSQL statements of the idle edgectl sidecar over this window");
DEFINE_bool(notify_trigger, true,
            "install the optional edge_job NOTIFY trigger (edgectl db init --with-notify)");
DEFINE_int32(burst_jobs, 2000,
             "burst throughput: jobs committed in one transaction to random workers (0: skip)");
DEFINE_int32(workers_per_connection, edgectl::bench::EdgectlFleet::kDefaultWorkersPerConnection,
             "simulated workers sharing one HTTP/2 connection to the sidecar (1: one each, as "
             "real workers; at most 90: the sidecar takes 100 concurrent calls per connection)");
DEFINE_string(sidecar_binary, "",
              "the edgectl binary run as `edgectl controlplane` in its own process (default: "
              "cli/edgectl next to this binary's bench/ directory, the -c opt build)");
DEFINE_bool(sidecar_in_process, false,
            "run the sidecar inside the benchmark process (no RSS/CPU of its own)");
DEFINE_string(json_out, "", "also write the report as JSON to this file");
DEFINE_string(make_certs, "scripts/make-certs",
              "the certificate helper (the sidecar serves TLS; workers send tokens)");

namespace edgectl::bench {
namespace {

constexpr char kAirflowVersion[] = "3.1.0";  // the double's defaults
constexpr char kProviderVersion[] = "5.0.0";

absl::Status ValidateFlags() {
  if (FLAGS_workers < 1 || FLAGS_edge3_workers < 0 || FLAGS_jobs < 1 || FLAGS_edge3_jobs < 1) {
    return absl::InvalidArgumentError("--workers, --jobs, --edge3_jobs: >= 1; --edge3_workers >= 0");
  }
  if (FLAGS_idle_time_scale < 1 || FLAGS_heartbeat_interval_s % FLAGS_idle_time_scale != 0) {
    return absl::InvalidArgumentError(
        "--idle_time_scale must be >= 1 and divide --heartbeat_interval_s");
  }
  if (FLAGS_workers_per_connection < 1 ||
      FLAGS_workers_per_connection > EdgectlFleet::kMaxWorkersPerConnection) {
    return absl::InvalidArgumentError("--workers_per_connection must be in [1, 90]");
  }
  if (FLAGS_job_poll_interval_s <= 0 || FLAGS_idle_window_s < 1 || FLAGS_max_run_s < 1 ||
      FLAGS_job_max_gap_ms < 0 || FLAGS_edge3_job_max_gap_ms < 0) {
    return absl::InvalidArgumentError(
        "intervals, --idle_window_s and --max_run_s must be positive, gaps not negative");
  }
  return absl::OkStatus();
}

BenchParameters ParametersFromFlags() {
  BenchParameters p;
  p.edgectl_workers = FLAGS_workers;
  p.edge3_workers = FLAGS_edge3_workers;
  p.edgectl_jobs = {FLAGS_jobs, absl::Milliseconds(FLAGS_job_max_gap_ms)};
  p.edge3_jobs = {FLAGS_edge3_jobs, absl::Milliseconds(FLAGS_edge3_job_max_gap_ms)};
  p.job_poll_interval = absl::Seconds(FLAGS_job_poll_interval_s);
  p.heartbeat_interval = absl::Seconds(FLAGS_heartbeat_interval_s);
  p.dispatch_poll_interval = absl::Milliseconds(FLAGS_dispatch_poll_interval_ms);
  p.idle_time_scale = FLAGS_idle_time_scale;
  p.idle_window = absl::Seconds(FLAGS_idle_window_s);
  p.seed = static_cast<uint32_t>(FLAGS_seed);
  p.page_viewers = FLAGS_page_viewers;
  p.pg_idle_window = absl::Seconds(std::max(1, FLAGS_pg_idle_window_s));
  p.notify_trigger = FLAGS_notify_trigger;
  p.burst_jobs = std::max(0, FLAGS_burst_jobs);
  p.workers_per_connection = FLAGS_workers_per_connection;
  p.sidecar_process = !FLAGS_sidecar_in_process;
  return p;
}

void Progress(const std::string& line) { std::cerr << "edge_bench: " << line << std::endl; }

ProcessUsage UsageOrZero(const BenchStack& stack) {
  absl::StatusOr<ProcessUsage> u = stack.sidecar_usage();
  return u.ok() ? *u : ProcessUsage{};
}

// The edgectl side: fleet up, idle costs, dispatch latency, burst, (viewers), fleet gone.
absl::Status RunEdgectl(BenchStack& stack, const BenchParameters& p, std::mt19937& rng,
                        BenchResults& results) {
  SidecarUsageResult& usage = results.sidecar;
  usage.measured = stack.sidecar_in_own_process();
  auto fleet = std::make_unique<EdgectlFleet>(
      stack.sidecar_address(), stack.ca_pem(), p.edgectl_workers, /*concurrency=*/4,
      kAirflowVersion, kProviderVersion, p.workers_per_connection);
  usage.connections = fleet->connections();
  if (absl::Status s = stack.IssueTokens(fleet->Tokens()); !s.ok()) return s;
  usage.started = UsageOrZero(stack);
  const absl::Time connect_start = absl::Now();
  Progress("registering " + std::to_string(p.edgectl_workers) + " edgectl workers over " +
           std::to_string(usage.connections) + " connections");
  if (absl::Status s = fleet->RegisterAll(); !s.ok()) return s;
  usage.registered = UsageOrZero(stack);
  Progress("connecting " + std::to_string(p.edgectl_workers) + " edgectl workers");
  // Paced at 400 a second, refusals come back a second later: room for both.
  const absl::Duration connect_timeout =
      std::max(absl::Seconds(60), absl::Seconds(p.edgectl_workers / 100));
  if (absl::Status s = fleet->ConnectAll(connect_timeout); !s.ok()) return s;
  usage.connect_time = absl::Now() - connect_start;
  absl::SleepFor(absl::Seconds(2));  // the sidecar settles (state poll, first heartbeats due)
  usage.connected = UsageOrZero(stack);
  Progress("edgectl idle PostgreSQL statements");
  absl::StatusOr<int64_t> statements = stack.CountStatements(p.pg_idle_window);
  if (!statements.ok()) return statements.status();
  results.idle_pg_statements = *statements;
  {
    const ProcessUsage before = UsageOrZero(stack);
    absl::SleepFor(p.pg_idle_window);
    usage.idle_cpu_s = UsageOrZero(stack).cpu_s - before.cpu_s;
  }
  Progress("edgectl idle window");
  const absl::Duration heartbeat = absl::Seconds(fleet->heartbeat_interval_seconds());
  if (absl::Status s = stack.ResetStatements(); !s.ok()) return s;
  results.edgectl_idle = CountIdleRestCalls(
      stack, p.edgectl_workers, p.idle_window, p.idle_time_scale, [&]() {
        HeartbeatTally t = fleet->RunHeartbeats(heartbeat, p.idle_window, rng);
        return std::make_pair(t.sent, t.failed);
      });
  if (absl::StatusOr<int64_t> n = stack.ReadStatements(); n.ok()) {
    results.edgectl_idle_window_pg_statements = *n;
  }
  Progress("edgectl dispatch latency");
  absl::StatusOr<EdgectlDispatchResult> dispatch =
      MeasureEdgectlDispatch(stack, *fleet, p.edgectl_workers, p.edgectl_jobs, rng);
  if (!dispatch.ok()) return dispatch.status();
  results.edgectl_dispatch = *dispatch;
  if (p.burst_jobs > 0) {
    Progress("edgectl burst of " + std::to_string(p.burst_jobs) + " jobs");
    absl::StatusOr<BurstResult> burst =
        MeasureBurst(stack, *fleet, p.edgectl_workers, p.burst_jobs, rng);
    if (!burst.ok()) return burst.status();
    results.burst = *burst;
  }
  if (p.page_viewers > 0) {
    // The same measurement again while fleet pages poll the sidecar's HTTP port.
    Progress("edgectl dispatch latency with " + std::to_string(p.page_viewers) +
             " fleet page viewers");
    PageViewers viewers(stack.http_port(), p.page_viewers, static_cast<uint32_t>(rng()));
    viewers.Start();
    absl::SleepFor(PageViewers::kRound);  // every viewer has started polling
    dispatch = MeasureEdgectlDispatch(stack, *fleet, p.edgectl_workers, p.edgectl_jobs, rng);
    results.viewers = viewers.Stop();
    if (!dispatch.ok()) return dispatch.status();
    results.edgectl_dispatch_with_viewers = *dispatch;
  }
  Progress("edgectl workers leave");
  fleet->DisconnectAll();
  fleet.reset();
  absl::SleepFor(absl::Seconds(5));
  usage.after_leave = UsageOrZero(stack);
  return absl::OkStatus();
}

// The edge3 baseline: dispatch latency at the real poll interval, then the idle REST count.
absl::Status RunEdge3(BenchStack& stack, const BenchParameters& p, std::mt19937& rng,
                      BenchResults& results) {
  Edge3Fleet fleet(p.edge3_workers, kAirflowVersion, kProviderVersion);
  Progress("registering " + std::to_string(p.edge3_workers) + " edge3 workers");
  if (absl::Status s = fleet.RegisterAll([&] { return stack.NewEdgeApiClient(); }); !s.ok()) {
    return s;
  }
  Progress("edge3 dispatch latency");
  absl::StatusOr<Edge3DispatchResult> dispatch = MeasureEdge3Dispatch(
      stack, fleet, p.edge3_workers, {p.job_poll_interval, p.heartbeat_interval}, p.edge3_jobs,
      rng);
  if (!dispatch.ok()) return dispatch.status();
  results.edge3_dispatch = *dispatch;
  Progress("edge3 idle window");
  const Edge3LoopOptions scaled{p.job_poll_interval / p.idle_time_scale,
                                p.heartbeat_interval / p.idle_time_scale};
  if (absl::Status s = stack.ResetStatements(); !s.ok()) return s;
  results.edge3_idle =
      CountIdleRestCalls(stack, p.edge3_workers, p.idle_window, p.idle_time_scale, [&]() {
        fleet.Start(scaled, static_cast<uint32_t>(rng()));
        absl::SleepFor(p.idle_window);
        Edge3CallTally t = fleet.Stop();
        return std::make_pair(t.fetches + t.heartbeats, t.failed);
      });
  absl::StatusOr<int64_t> statements = stack.ReadStatements();
  if (!statements.ok()) return statements.status();
  results.edge3_idle_window_pg_statements = *statements;
  return absl::OkStatus();
}

// bazel-bin/cli/edgectl beside bazel-bin/bench/edge_bench (scripts/bench builds both -c opt).
std::string DefaultSidecarBinary() {
  char self[4096] = {};
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "edgectl";
  std::string dir(self, static_cast<size_t>(n));
  dir = dir.substr(0, dir.rfind('/'));  // .../bench
  return dir.substr(0, dir.rfind('/')) + "/cli/edgectl";
}

// Thousands of simulated workers' connections in one process: up to the hard limit.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int Run() {
  RaiseOpenFileLimit();
  if (absl::Status s = ValidateFlags(); !s.ok()) {
    std::cerr << "edge_bench: " << s.message() << "\n";
    return 1;
  }
  const BenchParameters p = ParametersFromFlags();
  std::mt19937 rng(p.seed);
  BenchStack stack;
  Progress("starting PostgreSQL, the Airflow API double and the sidecar");
  char work_dir[] = "/tmp/edge-bench-XXXXXX";
  if (mkdtemp(work_dir) == nullptr) {
    std::cerr << "edge_bench: cannot create a work directory in /tmp\n";
    return 1;
  }
  BenchStackOptions stack_options{FLAGS_heartbeat_interval_s / FLAGS_idle_time_scale,
                                  p.dispatch_poll_interval, FLAGS_make_certs, work_dir,
                                  FLAGS_notify_trigger};
  stack_options.airflow_threads = 64 + p.edge3_workers;
  if (p.sidecar_process) {
    stack_options.sidecar_binary =
        FLAGS_sidecar_binary.empty() ? DefaultSidecarBinary() : FLAGS_sidecar_binary;
  }
  absl::Status s = stack.Start(stack_options);
  BenchResults results;
  if (s.ok()) s = RunEdgectl(stack, p, rng, results);
  // edge3's workers never reach the sidecar: its statements stay out of edge3's count.
  if (s.ok()) stack.StopSidecar();
  if (s.ok() && p.edge3_workers > 0) s = RunEdge3(stack, p, rng, results);
  if (!s.ok()) {
    std::cerr << "edge_bench: run failed: " << s << "\n";
    return 1;
  }
  const nlohmann::json report = ReportJson(p, results);
  std::cout << "\n" << ReportText(report) << std::flush;
  if (!FLAGS_json_out.empty()) {
    std::ofstream out(FLAGS_json_out);
    out << report.dump(2) << "\n";
    if (!out) {
      std::cerr << "edge_bench: cannot write --json_out " << FLAGS_json_out << "\n";
      return 1;
    }
  }
  const bool complete = results.edgectl_dispatch.missing == 0 &&
                        results.edgectl_dispatch_with_viewers.missing == 0 &&
                        results.edge3_dispatch.missing == 0;
  if (!complete) std::cerr << "edge_bench: some jobs never reached a worker (see 'missing')\n";
  return complete ? 0 : 1;
}

}  // namespace
}  // namespace edgectl::bench

int main(int argc, char** argv) {
  gflags::SetUsageMessage(
      "edgectl push dispatch vs edge3 polling: latency and idle REST calls (see bench/README.md)");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  // The sidecar logs every dispatch at info; the report is the output.
  spdlog::set_level(spdlog::level::warn);
  absl::Notification finished;
  std::thread watchdog([&] {
    if (!finished.WaitForNotificationWithTimeout(absl::Seconds(FLAGS_max_run_s))) {
      std::cerr << "edge_bench: run exceeded --max_run_s=" << FLAGS_max_run_s << ", aborting\n";
      _exit(2);  // PostgreSQL's watchdog removes the throwaway server
    }
  });
  const int rc = edgectl::bench::Run();
  finished.Notify();
  watchdog.join();
  return rc;
}
