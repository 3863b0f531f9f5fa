// log_bench: how fast task logs reach edge_logs, end to end, with every part a real process as
// deployed: a throwaway PostgreSQL, the Airflow API double (edge3's logs/push writing
// edge_logs), the sidecar (`edgectl controlplane`, TLS, worker certificate) and one
// `edgectl worker` (concurrency 4) running the Task SDK stand-in, whose task writes a log of a
// given size as fast as it can (`log_bytes`, 1 MiB blocks of UTF-8 lines) and notes when it
// started and finished writing. Two phases:
//   1. one task writing --backlog_mib (a backlog: written in well under a second, then shipped
//      from the file);
//   2. --parallel_tasks tasks at once, --parallel_mib each.
// Per phase: MB/s into edge_logs (bytes / (last byte in edge_logs - first task started
// writing)), end-of-task lag (task finished writing -> its last byte in edge_logs, polled every
// 10 ms), and the peak RSS of the worker and the sidecar during the phase (VmHWM after resetting
// it through /proc/PID/clear_refs; idle RSS before the phase for comparison). Build with -c opt
// (scripts/bench does); the report names the build mode. Not a test: nothing asserts a speed.
#include <gflags/gflags.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/build_mode.h"
#include "controlplane/db/pg_status.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/edge_stack.h"
#include "tests/e2e/local_database.h"
#include "tests/e2e/job_enqueuer.h"
#include "tests/fixtures/postgres_server.h"

DEFINE_string(edgectl, "bazel-bin/cli/edgectl", "path of the edgectl binary");
DEFINE_string(airflow_double, "bazel-bin/tests/airflow_double/airflow_double_main",
              "path of the Airflow API double binary");
DEFINE_string(standin, "tests/task_sdk_standin", "folder of the Task SDK stand-in (PYTHONPATH)");
DEFINE_string(make_certs, "scripts/make-certs", "the certificate helper script");
DEFINE_int32(backlog_mib, 200, "phase 1: MiB one task writes at once");
DEFINE_int32(parallel_tasks, 4, "phase 2: tasks writing at the same time");
DEFINE_int32(parallel_mib, 100, "phase 2: MiB each of those tasks writes");
DEFINE_int32(phase_timeout_s, 600, "give up on a phase after this long");
DEFINE_string(json_out, "", "also write the results as JSON to this file");

namespace edgectl::bench {
namespace {

using e2e::EdgeStack;


// "VmRSS" or "VmHWM" of a process, in KiB (0 when unreadable).
long StatusKib(pid_t pid, const std::string& field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
  }
  return 0;
}

// Starts a new peak-RSS measurement (Linux: writing 5 to clear_refs resets VmHWM).
void ResetPeak(pid_t pid) {
  std::ofstream out(absl::StrCat("/proc/", pid, "/clear_refs"));
  out << "5";
}

struct TaskRun {
  std::string task_id;
  uint64_t bytes = 0;
  std::string marker;
  double started = 0, written = 0;  // Unix seconds, from the task
  double stored = 0;                // when its last byte was seen in edge_logs
};

struct PhaseResult {
  std::string name;
  uint64_t bytes = 0;
  double seconds = 0;
  double mb_per_s = 0;
  double max_lag_ms = 0;
  long worker_idle_kib = 0, worker_peak_kib = 0, sidecar_idle_kib = 0, sidecar_peak_kib = 0;
};

double NowSeconds() { return absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()); }

absl::StatusOr<PhaseResult> RunPhase(const std::string& name, EdgeStack& stack,
                                     const std::string& dsn, pid_t worker, pid_t sidecar,
                                     int tasks, uint64_t bytes_each, const std::string& work_dir,
                                     int* serial) {
  PhaseResult result;
  result.name = name;
  result.worker_idle_kib = StatusKib(worker, "VmRSS");
  result.sidecar_idle_kib = StatusKib(sidecar, "VmRSS");
  ResetPeak(worker);
  ResetPeak(sidecar);
  const std::string dag = absl::StrCat("log_bench_", (*serial)++);
  std::vector<TaskRun> runs(tasks);
  for (int i = 0; i < tasks; ++i) {
    TaskRun& run = runs[i];
    run.task_id = absl::StrCat("t", i);
    run.bytes = bytes_each;
    run.marker = absl::StrCat(work_dir, "/", dag, "-", run.task_id, ".written");
    e2e::TaskSpec spec;
    spec.dag_id = dag;
    spec.task_id = run.task_id;
    spec.standin = {{"log_bytes", bytes_each}, {"written_marker", run.marker}};
    absl::StatusOr<e2e::QueuedJob> job = e2e::EnqueueTask(dsn, spec);
    if (!job.ok()) return job.status();
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(FLAGS_phase_timeout_s);
  pqxx::connection conn(dsn);
  size_t done = 0;
  long worker_peak = 0, sidecar_peak = 0;
  while (done < runs.size()) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(name, ": logs not in edge_logs after ",
                                                      FLAGS_phase_timeout_s, " s"));
    }
    absl::SleepFor(absl::Milliseconds(10));
    worker_peak = std::max(worker_peak, StatusKib(worker, "VmRSS"));
    sidecar_peak = std::max(sidecar_peak, StatusKib(sidecar, "VmRSS"));
    std::map<std::string, uint64_t> stored;
    {
      pqxx::read_transaction tx(conn);
      for (const auto& row : tx.exec_params(
               "SELECT task_id, sum(octet_length(log_chunk_data))::bigint FROM edge_logs "
               "WHERE dag_id = $1 GROUP BY task_id",
               dag)) {
        stored[row[0].as<std::string>()] = row[1].as<uint64_t>();
      }
    }
    const double now = NowSeconds();
    for (TaskRun& run : runs) {
      if (run.stored != 0 || stored[run.task_id] < run.bytes) continue;
      if (stored[run.task_id] > run.bytes) {
        return absl::DataLossError(absl::StrCat(name, ": edge_logs holds ", stored[run.task_id],
                                                " bytes of ", run.task_id, ", the task wrote ",
                                                run.bytes));
      }
      run.stored = now;
      ++done;
    }
  }
  result.worker_peak_kib = std::max(worker_peak, StatusKib(worker, "VmHWM"));
  result.sidecar_peak_kib = std::max(sidecar_peak, StatusKib(sidecar, "VmHWM"));
  double first_start = 0, last_stored = 0;
  for (TaskRun& run : runs) {
    std::ifstream in(run.marker);
    nlohmann::json times = nlohmann::json::parse(in, nullptr, false);
    if (times.is_discarded()) return absl::InternalError("unreadable marker " + run.marker);
    run.started = times["start"].get<double>();
    run.written = times["end"].get<double>();
    if (first_start == 0 || run.started < first_start) first_start = run.started;
    last_stored = std::max(last_stored, run.stored);
    result.max_lag_ms = std::max(result.max_lag_ms, (run.stored - run.written) * 1000);
    result.bytes += run.bytes;
  }
  result.seconds = last_stored - first_start;
  result.mb_per_s = result.bytes / 1e6 / result.seconds;
  (void)stack;
  return result;
}

void Print(const PhaseResult& r) {
  std::cout << absl::StrFormat(
      "  %-34s %8.1f MB/s  (%.1f MiB in %.2f s)  end-of-task lag %7.0f ms\n"
      "  %-34s worker RSS %6.1f MB idle -> peak %6.1f MB; sidecar RSS %6.1f MB idle -> peak "
      "%6.1f MB\n",
      r.name, r.mb_per_s, r.bytes / 1048576.0, r.seconds, r.max_lag_ms, "",
      r.worker_idle_kib / 1024.0, r.worker_peak_kib / 1024.0, r.sidecar_idle_kib / 1024.0,
      r.sidecar_peak_kib / 1024.0);
}

int Fail(const absl::Status& status) {
  std::cerr << "log_bench failed: " << status << std::endl;
  return 1;
}

int Run() {
  char work_template[] = "/tmp/edgectl-log-bench-XXXXXX";
  if (mkdtemp(work_template) == nullptr) return Fail(absl::InternalError("mkdtemp failed"));
  const std::string work_dir = work_template;
  std::cerr << "log_bench: starting PostgreSQL, the Airflow double, the sidecar, one worker\n";
  testing::PostgresServer postgres;
  absl::StatusOr<std::string> dsn = e2e::StartEdgeDatabase(postgres, "edgectl_log_bench");
  if (!dsn.ok()) return Fail(dsn.status());
  e2e::EdgeStackOptions options;
  options.dsn = *dsn;
  options.work_dir = work_dir;
  options.edgectl_binary = FLAGS_edgectl;
  options.double_binary = FLAGS_airflow_double;
  options.standin_dir = FLAGS_standin;
  options.make_certs_script = FLAGS_make_certs;
  auto stack = EdgeStack::Start(options);
  if (!stack.ok()) return Fail(stack.status());
  auto worker = (*stack)->StartWorker("log-bench-worker", {"-c", "4"});
  if (!worker.ok()) return Fail(worker.status());
  const pid_t worker_pid = (*worker)->pid();
  const pid_t sidecar_pid = (*stack)->controlplane()->pid();

  std::cout << "log_bench: task log -> edgectl worker -> sidecar -> Airflow double -> "
               "PostgreSQL edge_logs (all real processes, 127.0.0.1, TLS)\n"
            << "  build: " << BuildMode() << "\n";
  int serial = 0;
  std::vector<PhaseResult> results;
  for (const auto& [name, tasks, mib] :
       std::vector<std::tuple<std::string, int, int>>{
           {absl::StrCat("1 task, ", FLAGS_backlog_mib, " MiB backlog"), 1, FLAGS_backlog_mib},
           {absl::StrCat(FLAGS_parallel_tasks, " tasks at once, ", FLAGS_parallel_mib, " MiB each"),
            FLAGS_parallel_tasks, FLAGS_parallel_mib}}) {
    if (tasks <= 0 || mib <= 0) continue;
    absl::StatusOr<PhaseResult> r =
        RunPhase(name, **stack, *dsn, worker_pid, sidecar_pid, tasks,
                 static_cast<uint64_t>(mib) << 20, work_dir, &serial);
    if (!r.ok()) return Fail(r.status());
    Print(*r);
    results.push_back(*r);
    // The next phase starts from an idle worker: its jobs are forgotten once delivered.
    e2e::Eventually(
        [&] {
          return e2e::QueryValue(*dsn, "SELECT count(*) FROM edge_job WHERE state NOT IN "
                                       "('success', 'failed')") == "0";
        },
        absl::Seconds(60));
  }
  std::cout << "Target: >= 100 MB/s for one task and for the tasks at once.\n";
  if (!FLAGS_json_out.empty()) {
    nlohmann::json out = nlohmann::json::array();
    for (const PhaseResult& r : results) {
      out.push_back({{"phase", r.name},
                     {"bytes", r.bytes},
                     {"seconds", r.seconds},
                     {"mb_per_s", r.mb_per_s},
                     {"max_end_of_task_lag_ms", r.max_lag_ms},
                     {"worker_idle_kib", r.worker_idle_kib},
                     {"worker_peak_kib", r.worker_peak_kib},
                     {"sidecar_idle_kib", r.sidecar_idle_kib},
                     {"sidecar_peak_kib", r.sidecar_peak_kib},
                     {"build", BuildMode()}});
    }
    std::ofstream(FLAGS_json_out) << out.dump(2) << "\n";
  }
  // The task logs (hundreds of MiB) are not kept; the stack's processes are gone with `stack`.
  std::error_code ignored;
  std::filesystem::remove_all(work_dir + "/logs", ignored);
  return 0;
}

}  // namespace
}  // namespace edgectl::bench

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  return edgectl::bench::Run();
}
