#include "bench/bench_phases.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "tests/e2e/job_enqueuer.h"

namespace edgectl::bench {
namespace {

using airflow_double::Endpoint;

constexpr std::pair<Endpoint, const char*> kEndpointNames[] = {
    {Endpoint::kRegister, "register"},         {Endpoint::kSetState, "set_state"},
    {Endpoint::kUpdateQueues, "update_queues"}, {Endpoint::kFetch, "jobs_fetch"},
    {Endpoint::kJobState, "job_state"},         {Endpoint::kLogfilePath, "logfile_path"},
    {Endpoint::kPushLogs, "push_logs"},         {Endpoint::kHealth, "health"},
    {Endpoint::kOther, "other"},
};

// Inserts a queued edge_job row for `queue`; returns when it was committed.
absl::StatusOr<absl::Time> Enqueue(const std::string& dsn, const std::string& task_id,
                                   const std::string& queue) {
  e2e::TaskSpec spec;
  spec.dag_id = "edge_bench";
  spec.task_id = task_id;
  spec.queue = queue;
  absl::StatusOr<e2e::QueuedJob> job = e2e::EnqueueTask(dsn, spec);
  if (!job.ok()) return job.status();
  return absl::Now();  // EnqueueTask returns right after its COMMIT
}

// Enqueues spacing.jobs jobs "<prefix>-NNNN", each to queue_of(random worker), with random
// gaps; returns when each was queued, by task_id.
absl::StatusOr<std::map<std::string, absl::Time>> EnqueueSpaced(
    const std::string& dsn, const std::string& prefix, int workers,
    const std::function<std::string(int)>& queue_of, const JobSpacing& spacing,
    std::mt19937& rng) {
  std::uniform_int_distribution<int> worker(0, workers - 1);
  std::uniform_real_distribution<double> gap(0, absl::ToDoubleSeconds(spacing.max_gap));
  std::map<std::string, absl::Time> queued;
  for (int j = 0; j < spacing.jobs; ++j) {
    const std::string task_id = absl::StrFormat("%s-%04d", prefix, j);
    absl::StatusOr<absl::Time> at = Enqueue(dsn, task_id, queue_of(worker(rng)));
    if (!at.ok()) return at.status();
    queued[task_id] = *at;
    absl::SleepFor(absl::Seconds(gap(rng)));
  }
  return queued;
}

}  // namespace

std::map<std::string, int64_t> RestCallCounts(airflow_double::AirflowApiDouble& airflow) {
  std::map<std::string, int64_t> counts;
  for (const auto& [endpoint, name] : kEndpointNames) {
    counts[name] = airflow.RequestCount(endpoint);
  }
  counts["total"] = airflow.TotalRequests();
  return counts;
}

absl::StatusOr<EdgectlDispatchResult> MeasureEdgectlDispatch(BenchStack& stack,
                                                             EdgectlFleet& fleet, int workers,
                                                             const JobSpacing& spacing,
                                                             std::mt19937& rng) {
  stack.airflow().ResetCounters();
  absl::StatusOr<std::map<std::string, absl::Time>> queued =
      EnqueueSpaced(stack.dsn(), "edgectl-job", workers, &EdgectlFleet::QueueOf, spacing, rng);
  if (!queued.ok()) return queued.status();
  fleet.WaitForAcknowledgements(queued->size(), absl::Seconds(30));
  // Let the `success` reports that follow the last acknowledgements land before counting.
  absl::SleepFor(absl::Milliseconds(200));
  EdgectlDispatchResult result;
  result.jobs = static_cast<int>(queued->size());
  result.rest_calls = RestCallCounts(stack.airflow());
  const std::map<std::string, JobTiming> timings = fleet.Timings();
  std::vector<absl::Duration> delivered, acknowledged;
  for (const auto& [task_id, at] : *queued) {
    auto it = timings.find(task_id);
    if (it == timings.end() || it->second.running_acknowledged == absl::InfinitePast()) {
      ++result.missing;
      if (it == timings.end()) continue;
    } else {
      acknowledged.push_back(it->second.running_acknowledged - at);
    }
    delivered.push_back(it->second.delivered - at);
  }
  result.delivered = Summarize(std::move(delivered));
  result.acknowledged = Summarize(std::move(acknowledged));
  return result;
}

namespace {

// Busy CPU seconds of the whole machine (all cores) since boot, from /proc/stat.
double MachineBusySeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  int64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return static_cast<double>(user + nice + system + irq + softirq) / sysconf(_SC_CLK_TCK);
}

double SelfCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double SidecarCpuSeconds(const BenchStack& stack) {
  absl::StatusOr<ProcessUsage> u = stack.sidecar_usage();
  return u.ok() ? u->cpu_s : 0;
}

}  // namespace

absl::StatusOr<BurstResult> MeasureBurst(BenchStack& stack, EdgectlFleet& fleet, int workers,
                                         int jobs, std::mt19937& rng) {
  std::uniform_int_distribution<int> worker(0, workers - 1);
  std::vector<e2e::TaskSpec> specs(jobs);
  for (int j = 0; j < jobs; ++j) {
    specs[j].dag_id = "edge_bench";
    specs[j].task_id = absl::StrFormat("burst-%05d", j);
    specs[j].queue = EdgectlFleet::QueueOf(worker(rng));
  }
  const size_t reports_before = fleet.SuccessReports();
  const int64_t ok_before = fleet.SuccessReportsOk();
  stack.airflow().ResetCounters();
  if (absl::Status s = stack.ResetStatements(); !s.ok()) return s;
  const double sidecar_cpu = SidecarCpuSeconds(stack), bench_cpu = SelfCpuSeconds(),
               machine_busy = MachineBusySeconds();
  const absl::Time start = absl::Now();
  absl::StatusOr<std::vector<e2e::QueuedJob>> queued = e2e::EnqueueTasks(stack.dsn(), specs);
  if (!queued.ok()) return queued.status();
  const absl::Time committed = absl::Now();
  fleet.WaitForSuccessReports(reports_before + jobs, absl::Seconds(120));
  const absl::Time done = fleet.LastSuccessReport();
  BurstResult result;
  result.sidecar_cpu_s = SidecarCpuSeconds(stack) - sidecar_cpu;
  result.bench_cpu_s = SelfCpuSeconds() - bench_cpu;
  result.machine_busy_s = MachineBusySeconds() - machine_busy;
  absl::StatusOr<int64_t> statements = stack.ReadStatements();
  if (!statements.ok()) return statements.status();
  result.jobs = jobs;
  result.insert = committed - start;
  result.elapsed = std::max(done - committed, absl::Milliseconds(1));
  result.rest_calls = RestCallCounts(stack.airflow());
  const std::map<std::string, JobTiming> timings = fleet.Timings();
  std::vector<absl::Duration> delivered;
  for (const e2e::TaskSpec& spec : specs) {
    auto it = timings.find(spec.task_id);
    if (it != timings.end()) delivered.push_back(it->second.delivered - committed);
  }
  result.missing = jobs - static_cast<int>(fleet.SuccessReportsOk() - ok_before);
  result.jobs_per_second = (jobs - result.missing) / absl::ToDoubleSeconds(result.elapsed);
  result.delivered = Summarize(std::move(delivered));
  result.pg_statements = *statements;
  result.pg_statements_per_second = *statements / absl::ToDoubleSeconds(done - start);
  return result;
}

absl::StatusOr<Edge3DispatchResult> MeasureEdge3Dispatch(BenchStack& stack, Edge3Fleet& fleet,
                                                         int workers,
                                                         const Edge3LoopOptions& loop,
                                                         const JobSpacing& spacing,
                                                         std::mt19937& rng) {
  fleet.Start(loop, static_cast<uint32_t>(rng()));
  absl::StatusOr<std::map<std::string, absl::Time>> queued =
      EnqueueSpaced(stack.dsn(), "edge3-job", workers, &Edge3Fleet::QueueOf, spacing, rng);
  if (!queued.ok()) {
    fleet.Stop();
    return queued.status();
  }
  // Every job is fetched within one poll interval (plus the call) of being queued.
  const absl::Time deadline = absl::Now() + loop.job_poll_interval + absl::Seconds(5);
  while (fleet.Fetched().size() < queued->size() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  fleet.Stop();
  Edge3DispatchResult result;
  result.jobs = static_cast<int>(queued->size());
  const std::map<std::string, absl::Time> fetched = fleet.Fetched();
  std::vector<absl::Duration> latencies;
  for (const auto& [task_id, at] : *queued) {
    auto it = fetched.find(task_id);
    if (it == fetched.end()) {
      ++result.missing;
    } else {
      latencies.push_back(it->second - at);
    }
  }
  result.fetched = Summarize(std::move(latencies));
  return result;
}

IdleCostResult CountIdleRestCalls(
    BenchStack& stack, int workers, absl::Duration window, double time_scale,
    const std::function<std::pair<int64_t, int64_t>()>& idle_fleet) {
  stack.airflow().ResetCounters();
  const auto [calls, failures] = idle_fleet();
  IdleCostResult result;
  result.workers = workers;
  result.window = window;
  result.rest_calls = RestCallCounts(stack.airflow());
  result.client_calls = calls;
  result.client_failures = failures;
  const double worker_minutes = workers * absl::ToDoubleMinutes(window);
  result.per_worker_minute = result.rest_calls["total"] / worker_minutes / time_scale;
  return result;
}

}  // namespace edgectl::bench
