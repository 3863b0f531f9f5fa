// The real worker binary against a fake sidecar over real gRPC on 127.0.0.1, running jobs through
// the Task SDK stand-in: registration, the heartbeat state sequence, job outcomes, concurrency,
// drain, SIGTERM and orphan protection.
#include <signal.h>

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "common/build_info.h"
#include "tests/worker/worker_harness.h"

namespace edgectl::testing {
namespace {

using ::nlohmann::json;

constexpr absl::Duration kTimeout = absl::Seconds(30);

// Collapses consecutive repeats: ["idle","idle","running"] -> ["idle","running"].
std::vector<std::string> Distinct(const std::vector<std::string>& states) {
  std::vector<std::string> out;
  for (const std::string& s : states) {
    if (out.empty() || out.back() != s) out.push_back(s);
  }
  return out;
}

TEST(WorkerLifecycleTest, RegistersRunsJobsAndWalksTheStateSequence) {
  WorkerHarness h;
  auto worker = h.StartWorker({"-q", "default,gpu", "-c", "3"});
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();

  const auto registers = h.sidecar().registers();
  ASSERT_EQ(registers.size(), 1u);
  const v1::RegisterRequest& reg = registers[0];
  EXPECT_EQ(reg.worker_name(), "edge-test-worker");
  EXPECT_EQ(reg.protocol_version(), v1::PROTOCOL_VERSION_1);
  EXPECT_EQ(reg.body().state(), "starting");
  ASSERT_EQ(reg.body().queues().names_size(), 2);
  EXPECT_EQ(reg.body().queues().names(1), "gpu");
  const auto& sysinfo = reg.body().sysinfo();
  EXPECT_EQ(sysinfo.at("airflow_version").string_value(), "3.1.0");
  EXPECT_EQ(sysinfo.at("edge_provider_version").string_value(), "5.0.0");
  EXPECT_FALSE(sysinfo.at("python_version").string_value().empty());
  EXPECT_FALSE(sysinfo.at("worker_start_time").string_value().empty());
  EXPECT_EQ(sysinfo.at("concurrency").int_value(), 3);
  EXPECT_EQ(sysinfo.at("free_concurrency").int_value(), 3);
  EXPECT_EQ(sysinfo.at("status").int_value(), 20);
  ASSERT_EQ(h.sidecar().connects().size(), 1u);
  EXPECT_EQ(h.sidecar().connects()[0].free_concurrency(), 3);

  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] { return !h.sidecar().heartbeat_states().empty(); }, kTimeout));
  EXPECT_EQ(h.sidecar().heartbeat_states().front(), "idle");

  const v1::JobKey key = WorkerHarness::Key("hello");
  ASSERT_TRUE(h.sidecar().PushJob(
      key, WorkerHarness::TaskWorkload(key, {{"lines", 5}, {"sleep", 1.0}}), 1));
  ASSERT_TRUE(h.WaitForJobState(key, "success", kTimeout)) << worker->Stderr();
  EXPECT_EQ(h.JobStates(key), (std::vector<std::string>{"running", "success"}));
  // The claim named the dispatch; the job started only after it was granted; the final report
  // carries the slots free again.
  const auto claims = h.sidecar().claims();
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].dispatch_id(), 1u);
  EXPECT_EQ(claims[0].worker_name(), "edge-test-worker");
  const auto reports = h.sidecar().applied_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].free_concurrency(), 3);
  EXPECT_GT(reports[0].sequence(), 0u);
  EXPECT_EQ(reg.body().sysinfo().at("edgectl_version").string_value(), kEdgectlVersion);
  EXPECT_EQ(reg.body().sysinfo().at("edgectl_instance").string_value(), reg.instance_id());
  EXPECT_EQ(reg.instance_id().size(), 16u);

  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] { return h.sidecar().heartbeat_states().back() == "idle"; }, kTimeout));
  std::vector<std::string> states = Distinct(h.sidecar().heartbeat_states());
  EXPECT_EQ(states, (std::vector<std::string>{"idle", "running", "idle"}));

  // The task got the launch environment edge3 gives it.
  const std::string log = WorkerHarness::ReadFile(h.LogFile(key));
  EXPECT_TRUE(absl::StrContains(log, "execution_api=http://127.0.0.1:1/execution "))
      << log;
  EXPECT_TRUE(absl::StrContains(log, "hostname=edge-test-worker "));
  EXPECT_TRUE(absl::StrContains(
      log, "hostname_callable=airflow.providers.edge3.cli.worker._edge_hostname"));
  ASSERT_TRUE(FakeSidecar::WaitFor([&] { return h.sidecar().StoredLog(key) == log; }, kTimeout));

  worker->Signal(SIGINT);
  ASSERT_EQ(worker->Wait(kTimeout), std::optional<int>(0)) << worker->Stderr();
  EXPECT_EQ(h.sidecar().heartbeat_states().back(), "offline");
  EXPECT_EQ(h.sidecar().heartbeats().back().body().sysinfo().at("status").int_value(), 0);
}

TEST(WorkerLifecycleTest, FailedJobPushesErrorTextThenReportsFailed) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("broken");
  ASSERT_TRUE(h.sidecar().PushJob(
      key,
      WorkerHarness::TaskWorkload(key, {{"lines", 2}, {"exit_code", 3}, {"stderr", "boom: it broke\n"}}),
      1));
  ASSERT_TRUE(h.WaitForJobState(key, "failed", kTimeout)) << worker->Stderr();
  EXPECT_EQ(h.JobStates(key), (std::vector<std::string>{"running", "failed"}));
  const std::string file = WorkerHarness::ReadFile(h.LogFile(key));
  EXPECT_EQ(h.sidecar().StoredLog(key), file + "Error executing job:\nboom: it broke\n");
}

TEST(WorkerLifecycleTest, RunsCallbackWorkloads) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  v1::JobKey key = WorkerHarness::Key("callback");
  ASSERT_TRUE(h.sidecar().PushJob(key, WorkerHarness::CallbackWorkload("cb-1", {{"lines", 1}}), 1));
  ASSERT_TRUE(h.WaitForJobState(key, "success", kTimeout)) << worker->Stderr();
  const std::string file = WorkerHarness::ReadFile(h.log_folder() + "/executor_callbacks/cb-1");
  EXPECT_TRUE(absl::StrContains(file, "line 0 of callback.cb-1"));
}

TEST(WorkerLifecycleTest, NeverExceedsConcurrencySlots) {
  WorkerHarness h;
  auto worker = h.StartWorker({"-c", "3"});
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey a = WorkerHarness::Key("a"), b = WorkerHarness::Key("b"),
                   c = WorkerHarness::Key("c"), d = WorkerHarness::Key("d");
  ASSERT_TRUE(h.sidecar().PushJob(a, WorkerHarness::TaskWorkload(a, {{"sleep", 3}}), 2));
  ASSERT_TRUE(h.WaitForJobState(a, "running", kTimeout));
  // 1 slot left: a 2-slot job is refused (not acknowledged), a 1-slot job runs, then nothing fits.
  ASSERT_TRUE(h.sidecar().PushJob(b, WorkerHarness::TaskWorkload(b, {{"sleep", 0.5}}), 2));
  ASSERT_TRUE(h.sidecar().PushJob(c, WorkerHarness::TaskWorkload(c, {{"sleep", 1}}), 1));
  ASSERT_TRUE(h.sidecar().PushJob(d, WorkerHarness::TaskWorkload(d, {{"sleep", 0.5}}), 1));
  ASSERT_TRUE(h.WaitForJobState(a, "success", kTimeout)) << worker->Stderr();
  ASSERT_TRUE(h.WaitForJobState(c, "success", kTimeout));
  EXPECT_TRUE(h.JobStates(b).empty());
  EXPECT_TRUE(h.JobStates(d).empty());
  // free_concurrency as reported never went below zero, and slots in use never above 3.
  int used = 0;
  std::map<std::string, int> slots = {{JobId(a), 2}, {JobId(c), 1}};
  for (const v1::JobStateReport& r : h.sidecar().transitions()) {
    used += r.state() == "running" ? slots[JobId(r.key())] : -slots[JobId(r.key())];
    EXPECT_LE(used, 3);
    if (r.state() != "running") EXPECT_EQ(r.free_concurrency(), 3 - used);
  }
  for (const v1::HeartbeatRequest& hb : h.sidecar().heartbeats()) {
    EXPECT_GE(hb.body().sysinfo().at("free_concurrency").int_value(), 0);
  }
}

TEST(WorkerLifecycleTest, SigintDrainsRunningJobsAndRefusesNewOnes) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("long");
  ASSERT_TRUE(h.sidecar().PushJob(key, WorkerHarness::TaskWorkload(key, {{"sleep", 2}}), 1));
  ASSERT_TRUE(h.WaitForJobState(key, "running", kTimeout));
  worker->Signal(SIGINT);
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] { return h.sidecar().heartbeat_states().back() == "terminating"; }, kTimeout));
  EXPECT_EQ(h.sidecar().heartbeats().back().free_concurrency(), 0);
  const v1::JobKey late = WorkerHarness::Key("late");
  h.sidecar().PushJob(late, WorkerHarness::TaskWorkload(late, {}), 1);
  ASSERT_EQ(worker->Wait(kTimeout), std::optional<int>(0)) << worker->Stderr();
  EXPECT_EQ(h.JobStates(key), (std::vector<std::string>{"running", "success"}));
  EXPECT_TRUE(h.JobStates(late).empty());
  EXPECT_EQ(h.sidecar().heartbeat_states().back(), "offline");
  EXPECT_TRUE(absl::StrContains(worker->Stderr() + worker->Stdout(),
                                "Request to shut down Edge Worker received"));
}

TEST(WorkerLifecycleTest, SigtermTerminatesJobsWithEdge3Notice) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("victim");
  ASSERT_TRUE(h.sidecar().PushJob(key, WorkerHarness::TaskWorkload(key, {{"sleep", 60}}), 1));
  ASSERT_TRUE(h.WaitForJobState(key, "running", kTimeout));
  worker->Signal(SIGTERM);
  ASSERT_EQ(worker->Wait(kTimeout), std::optional<int>(0)) << worker->Stderr();
  EXPECT_EQ(h.JobStates(key), (std::vector<std::string>{"running", "failed"}));
  EXPECT_TRUE(absl::StrContains(
      h.sidecar().StoredLog(key),
      "Edge worker received external SIGTERM; terminating task supervisor.\n"));
}

TEST(WorkerLifecycleTest, DrainTimeoutEscalatesToSigkill) {
  WorkerHarness h;
  auto worker = h.StartWorker({}, {{"AIRFLOW__EDGE__DRAIN_TIMEOUT_SEC", "1"},
                                   {"AIRFLOW__EDGE__DRAIN_KILL_GRACE_SEC", "1"}});
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("stubborn");
  ASSERT_TRUE(h.sidecar().PushJob(
      key, WorkerHarness::TaskWorkload(key, {{"sleep", 60}, {"ignore_sigterm", true}}), 1));
  ASSERT_TRUE(h.WaitForJobState(key, "running", kTimeout));
  worker->Signal(SIGINT);
  ASSERT_EQ(worker->Wait(kTimeout), std::optional<int>(0)) << worker->Stderr();
  EXPECT_EQ(h.JobStates(key), (std::vector<std::string>{"running", "failed"}));
  EXPECT_TRUE(absl::StrContains(h.sidecar().StoredLog(key),
                                "Edge worker drain timeout of 1s expired; sending SIGTERM to task "
                                "supervisor. Will escalate to SIGKILL after 1s grace.\n"));
  EXPECT_TRUE(absl::StrContains(
      h.sidecar().StoredLog(key),
      "Edge worker drain kill-grace of 1s expired; sending SIGKILL and exiting worker.\n"));
}

TEST(WorkerLifecycleTest, DaemonModeDetachesAndWritesEdge3Files) {
  WorkerHarness h;
  const std::string pid_file = h.airflow_home() + "/daemon.pid";
  auto starter = h.StartWorker({"-D", "--pid", pid_file, "-u", "022"});
  ASSERT_EQ(starter->Wait(kTimeout), std::optional<int>(0)) << starter->Stderr();
  ASSERT_TRUE(h.WaitUntilConnected()) << WorkerHarness::ReadFile(h.airflow_home() + "/airflow-edge-worker.err");
  int daemon_pid = 0;
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] {
        return absl::SimpleAtoi(absl::StripAsciiWhitespace(WorkerHarness::ReadFile(pid_file)),
                                &daemon_pid);
      },
      kTimeout));
  EXPECT_NE(daemon_pid, starter->pid());
  EXPECT_TRUE(WorkerHarness::ProcessAlive(daemon_pid));
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] {
        return absl::StrContains(
            WorkerHarness::ReadFile(h.airflow_home() + "/airflow-edge-worker.log"), "registered");
      },
      kTimeout));
  WorkerHarness::CommandResult stop = h.RunCommand({"stop", "--pid", pid_file, "--wait"}, kTimeout);
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_FALSE(WorkerHarness::ProcessAlive(daemon_pid));
  EXPECT_EQ(h.sidecar().heartbeat_states().back(), "offline");
}

TEST(WorkerLifecycleTest, RegistrationRefusalsEndTheWorkerWithEdge3Messages) {
  WorkerHarness h;
  h.sidecar().SetRegisterError(grpc::Status(grpc::StatusCode::ALREADY_EXISTS, "duplicate"));
  auto duplicate = h.StartWorker();
  ASSERT_EQ(duplicate->Wait(kTimeout), std::optional<int>(1));
  EXPECT_TRUE(absl::StrContains(
      duplicate->Stderr() + duplicate->Stdout(),
      "A worker with the name 'edge-test-worker' is already active. Please ensure worker names "
      "are unique, or stop the existing worker before starting a new one."));

  h.sidecar().SetRegisterError(grpc::Status(
      grpc::StatusCode::FAILED_PRECONDITION,
      "Edge Worker runs on Airflow 3.0.9 and the core runs on Airflow 3.1.0"));
  auto mismatch = h.StartWorker();
  ASSERT_EQ(mismatch->Wait(kTimeout), std::optional<int>(1));
  const std::string output = mismatch->Stderr() + mismatch->Stdout();
  EXPECT_TRUE(absl::StrContains(output,
                                "Version mismatch of Edge worker and Core. Shutting down worker."));
  EXPECT_TRUE(absl::StrContains(output, "3.0.9")) << output;
}

TEST(WorkerLifecycleTest, VersionMismatchOnHeartbeatDrainsAndExitsNonZero) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("during-mismatch");
  ASSERT_TRUE(h.sidecar().PushJob(key, WorkerHarness::TaskWorkload(key, {{"sleep", 1}}), 1));
  ASSERT_TRUE(h.WaitForJobState(key, "running", kTimeout));
  h.sidecar().SetHeartbeatError(grpc::Status(
      grpc::StatusCode::FAILED_PRECONDITION,
      "Airflow version 3.1.0 of the worker does not match 3.2.0 of the core"));
  h.sidecar().PushStateChange(v1::HeartbeatResponse());  // provokes a heartbeat at once
  ASSERT_EQ(worker->Wait(kTimeout), std::optional<int>(1)) << worker->Stderr();
  EXPECT_EQ(h.JobStates(key), (std::vector<std::string>{"running", "success"}));
  const std::string output = worker->Stderr() + worker->Stdout();
  EXPECT_TRUE(absl::StrContains(output, "3.1.0")) << output;
  EXPECT_TRUE(absl::StrContains(output, "3.2.0")) << output;
}

TEST(WorkerLifecycleTest, RegistersAgainWhenTheSidecarNoLongerKnowsTheWorker) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  ASSERT_TRUE(FakeSidecar::WaitFor([&] { return !h.sidecar().heartbeats().empty(); }, kTimeout));
  h.sidecar().SetHeartbeatError(grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown worker"));
  h.sidecar().PushStateChange(v1::HeartbeatResponse());  // provokes a heartbeat at once
  ASSERT_TRUE(FakeSidecar::WaitFor([&] { return h.sidecar().registers().size() == 2; }, kTimeout))
      << worker->Stderr();
  h.sidecar().SetHeartbeatError(std::nullopt);
  // Two more heartbeats: at least one answered without the error, on a stream that stays open.
  const size_t seen = h.sidecar().heartbeats().size();
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] { return h.sidecar().heartbeats().size() > seen + 1 && h.sidecar().stream_open(); },
      kTimeout));
  const v1::JobKey key = WorkerHarness::Key("after-reregister");
  ASSERT_TRUE(h.sidecar().PushJob(key, WorkerHarness::TaskWorkload(key, {}), 1));
  EXPECT_TRUE(h.WaitForJobState(key, "success", kTimeout)) << worker->Stderr();
}

TEST(WorkerLifecycleTest, InterpreterVersionProbeFailureIsClear) {
  WorkerHarness h;
  auto worker = h.StartWorker({"--python", "/nonexistent/python3"});
  ASSERT_EQ(worker->Wait(kTimeout), std::optional<int>(1));
  EXPECT_TRUE(absl::StrContains(worker->Stderr(), "/nonexistent/python3")) << worker->Stderr();
  EXPECT_TRUE(h.sidecar().registers().empty());
}

TEST(WorkerLifecycleTest, VersionsComeFromTheInterpreter) {
  WorkerHarness h;
  auto worker = h.StartWorker({}, {{"EDGECTL_STANDIN_AIRFLOW_VERSION", "3.0.9"},
                                   {"EDGECTL_STANDIN_EDGE_VERSION", "4.9.1"}});
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const std::vector<v1::RegisterRequest> registers = h.sidecar().registers();
  const auto& sysinfo = registers[0].body().sysinfo();
  EXPECT_EQ(sysinfo.at("airflow_version").string_value(), "3.0.9");
  EXPECT_EQ(sysinfo.at("edge_provider_version").string_value(), "4.9.1");
}

}  // namespace
}  // namespace edgectl::testing
