// End to end, real processes: what an operator watches. Both processes' /metrics pass
// `promtool check metrics` (Prometheus' own linter) and carry the fleet, build and process
// families; the sidecar's /readyz follows its dependencies (not ready once the Airflow API server
// is gone); the worker's health endpoint reports its state and link; SIGHUP does not end a
// worker, and the signal its systemd unit stops it with (SIGINT) drains it: the running task
// finishes and is reported.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/child_process.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/fixtures/free_port.h"

namespace edgectl::e2e {
namespace {

using ::testing::HasSubstr;

int SidecarMetricsPort(EdgeStack& stack) {
  const std::string out = stack.controlplane()->Stdout();
  const size_t at = out.find("(metrics on 127.0.0.1:");
  return at == std::string::npos ? -1 : std::stoi(out.substr(at + 22));
}

std::string Get(int port, const std::string& path, int* status = nullptr) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  auto res = client.Get(path.c_str());
  if (status != nullptr) *status = res ? res->status : -1;
  return res ? res->body : "";
}

// `promtool check metrics` on `text`: "" when it passes, else what it said.
std::string PromtoolProblems(const std::string& text, const std::string& dir) {
  const std::string path = dir + "/scrape.txt";
  std::ofstream(path) << text;
  absl::StatusOr<CommandOutput> run = ChildProcess::RunToCompletion(
      {"/bin/sh", "-c", "promtool check metrics < " + path}, {}, dir, absl::Seconds(60));
  if (!run.ok()) return run.status().ToString();
  if (run->exit_code != 0) return absl::StrCat("exit ", run->exit_code, ": ", run->combined());
  return "";
}

// The value of the sample line starting with `series` (name and labels), or -1.
double Sample(const std::string& text, const std::string& series) {
  const std::string key = series + " ";
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + key.size()));
  }
  return -1;
}

TEST_F(EndToEndTest, MetricsPassPromtoolAndReadinessFollowsTheAirflowApi) {
  absl::StatusOr<int> health_port = testing::FreeLoopbackPort();
  ASSERT_TRUE(health_port.ok()) << health_port.status();
  auto worker = stack_->StartWorker(
      "edge-obs-1",
      {"-q", "default", "--health-check-addr", absl::StrCat("127.0.0.1:", *health_port)});
  ASSERT_TRUE(worker.ok()) << worker.status();
  TaskSpec spec;
  spec.task_id = "observed";
  spec.standin = {{"lines", 20}};
  Enqueue(spec);
  ASSERT_TRUE(AwaitJobState("observed", "success"));
  ASSERT_TRUE(AwaitWorkerState("edge-obs-1", "idle"));

  // The worker's endpoint: its state and link, and its metrics.
  nlohmann::json status;
  for (absl::Time end = absl::Now() + absl::Seconds(20); absl::Now() < end;) {
    status = nlohmann::json::parse(Get(*health_port, "/status"), nullptr, false);
    if (!status.is_discarded() && status["state"] == "idle" && status["sidecar"]["connected"] == true &&
        !status["last_heartbeat"].is_null()) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(status["worker_name"], "edge-obs-1") << status;
  EXPECT_EQ(status["state"], "idle") << status;
  EXPECT_EQ(status["sidecar"]["connected"], true) << status;
  EXPECT_EQ(status["jobs_accepted"], 1) << status;
  EXPECT_EQ(status["job_count"], 0) << status;
  const std::string worker_metrics = Get(*health_port, "/metrics");
  EXPECT_EQ(PromtoolProblems(worker_metrics, work_dir_), "") << worker_metrics;
  EXPECT_EQ(Sample(worker_metrics, "edgectl_worker_jobs_accepted_total"), 1) << worker_metrics;
  EXPECT_EQ(Sample(worker_metrics, "edgectl_worker_sidecar_connected"), 1) << worker_metrics;
  EXPECT_EQ(Sample(worker_metrics, "edgectl_worker_state{state=\"idle\"}"), 1) << worker_metrics;
  EXPECT_GT(Sample(worker_metrics, "process_resident_memory_bytes"), 0) << worker_metrics;
  EXPECT_THAT(worker_metrics, HasSubstr("edgectl_worker_build_info{"));

  // The sidecar's: its own counters, the fleet as the database sees it, build and process.
  const int metrics_port = SidecarMetricsPort(*stack_);
  ASSERT_GT(metrics_port, 0) << stack_->controlplane()->Stdout();
  const std::string sidecar_metrics = Get(metrics_port, "/metrics");
  EXPECT_EQ(PromtoolProblems(sidecar_metrics, work_dir_), "") << sidecar_metrics;
  EXPECT_EQ(Sample(sidecar_metrics, "edgectl_controlplane_fleet_workers{state=\"idle\"}"), 1)
      << sidecar_metrics;
  EXPECT_GE(Sample(sidecar_metrics,
                   "edgectl_controlplane_fleet_worker_heartbeat_age_max_seconds{state=\"idle\"}"),
            0)
      << sidecar_metrics;
  EXPECT_EQ(Sample(sidecar_metrics, "edgectl_controlplane_jobs_dispatched_total"), 1);
  EXPECT_GT(Sample(sidecar_metrics, "edgectl_controlplane_log_bytes_stored_total"), 0)
      << sidecar_metrics;
  EXPECT_GT(Sample(sidecar_metrics, "edgectl_controlplane_log_lag_seconds_count"), 0);
  EXPECT_EQ(Sample(sidecar_metrics, "edgectl_controlplane_workers_connected"), 1);
  EXPECT_GT(Sample(sidecar_metrics, "process_open_fds"), 0) << sidecar_metrics;
  EXPECT_THAT(sidecar_metrics, HasSubstr("edgectl_controlplane_build_info{"));
  EXPECT_THAT(sidecar_metrics, HasSubstr("edgectl_controlplane_rest_request_duration_seconds_bucket{"));

  // A queued job nobody serves shows in the fleet gauges (read each scrape, cached 5 s).
  TaskSpec parked;
  parked.task_id = "parked";
  parked.queue = "nobody-serves-this";
  Enqueue(parked);
  double parked_jobs = -1;
  for (absl::Time end = absl::Now() + absl::Seconds(20); absl::Now() < end && parked_jobs != 1;) {
    parked_jobs = Sample(Get(metrics_port, "/metrics"),
                         "edgectl_controlplane_fleet_jobs_queued{queue=\"nobody-serves-this\"}");
    if (parked_jobs != 1) absl::SleepFor(absl::Milliseconds(250));
  }
  EXPECT_EQ(parked_jobs, 1);

  // Probes: alive and ready; then the Airflow API server goes away: not ready, saying why.
  int code = 0;
  EXPECT_THAT(Get(metrics_port, "/healthz", &code), HasSubstr("ok"));
  EXPECT_EQ(code, 200);
  std::string ready = Get(metrics_port, "/readyz", &code);
  EXPECT_EQ(code, 200) << ready;
  stack_->airflow_double()->Signal(SIGKILL);
  ASSERT_TRUE(stack_->airflow_double()->WaitForExit(absl::Seconds(10)).ok());
  for (absl::Time end = absl::Now() + absl::Seconds(20); absl::Now() < end && code != 503;) {
    ready = Get(metrics_port, "/readyz", &code);
    if (code != 503) absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(code, 503) << ready;
  nlohmann::json report = nlohmann::json::parse(ready, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << ready;
  EXPECT_EQ(report["status"], "not ready");
  EXPECT_EQ(report["checks"]["database"]["status"], "ok") << ready;
  EXPECT_EQ(report["checks"]["airflow_api"]["status"], "failing") << ready;
  // Liveness does not depend on the API server.
  Get(metrics_port, "/healthz", &code);
  EXPECT_EQ(code, 200);
}

TEST_F(EndToEndTest, SighupDoesNotEndAWorkerAndItsUnitSignalDrainsIt) {
  auto worker = stack_->StartWorker("edge-obs-2");
  ASSERT_TRUE(worker.ok()) << worker.status();
  TaskSpec spec;
  spec.task_id = "outlives_the_stop";
  spec.standin = {{"lines", 30}, {"line_interval", 0.1}};
  const QueuedJob job = Enqueue(spec);
  ASSERT_TRUE(AwaitJobState("outlives_the_stop", "running"));
  (*worker)->Signal(SIGHUP);
  ASSERT_TRUE((*worker)->WaitForOutput("SIGHUP received", absl::Seconds(10)).ok())
      << (*worker)->Stderr();
  EXPECT_TRUE((*worker)->Running());
  // systemd stops edgectl-worker@.service with KillSignal=SIGINT: a drain, not a kill.
  (*worker)->Signal(SIGINT);
  absl::StatusOr<int> exit = (*worker)->WaitForExit(absl::Seconds(60));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(*exit, 0) << (*worker)->Stderr();
  EXPECT_EQ(JobState("outlives_the_stop"), "success");
  EXPECT_EQ(StoredLog("outlives_the_stop"), LogFile(job));
  EXPECT_EQ(WorkerState("edge-obs-2"), "offline");
}

}  // namespace
}  // namespace edgectl::e2e
