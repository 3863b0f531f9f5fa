// The local commands (status, maintenance, stop) against a running worker, through its pid file,
// signals and status/marker files exactly as edge3's; central maintenance via state_change; the
// status file's contents; pid file conflicts; flag validation.
#include <signal.h>

#include <fstream>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/worker/worker_harness.h"

namespace edgectl::testing {
namespace {

using ::nlohmann::json;

constexpr absl::Duration kTimeout = absl::Seconds(30);

json StatusJson(const WorkerHarness::CommandResult& result) {
  return json::parse(result.out, nullptr, /*allow_exceptions=*/false);
}

TEST(WorkerLocalCommandsTest, StatusAndLocalMaintenanceWalkTheStates) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();

  WorkerHarness::CommandResult status = h.RunCommand({"status"}, kTimeout);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(StatusJson(status),
            json::parse(R"({"job_count": 0, "jobs": [], "state": "idle", "maintenance": false,
                           "maintenance_comments": null, "drain": false})"));
  EXPECT_TRUE(absl::StrContains(status.out, "\n    \"job_count\": 0,"));  // indent=4

  WorkerHarness::CommandResult on =
      h.RunCommand({"maintenance", "on", "-c", "swap disk"}, kTimeout);
  ASSERT_EQ(on.exit_code, 0) << on.err;
  json on_status = StatusJson(on);
  EXPECT_EQ(on_status["state"], "maintenance mode");
  EXPECT_EQ(on_status["maintenance"], true);
  const std::string comment = on_status["maintenance_comments"].get<std::string>();
  EXPECT_TRUE(absl::StrContains(comment, "put node into maintenance mode via cli\nComment: swap disk"))
      << comment;
  EXPECT_EQ(comment[0], '[');
  EXPECT_EQ(comment.find("] - "), 17u);  // "[YYYY-mm-dd HH:MM] - "
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] {
        const auto hbs = h.sidecar().heartbeats();
        return hbs.back().body().state() == "maintenance mode" &&
               hbs.back().body().maintenance_comments() == comment;
      },
      kTimeout));
  EXPECT_EQ(h.sidecar().heartbeats().back().free_concurrency(), 0);
  // The marker was consumed.
  EXPECT_EQ(WorkerHarness::ReadFile(h.airflow_home() + "/airflow-edge-worker.in"), "");

  // No new jobs in maintenance.
  const v1::JobKey refused = WorkerHarness::Key("refused");
  ASSERT_TRUE(h.sidecar().PushJob(refused, WorkerHarness::TaskWorkload(refused, {}), 1));

  WorkerHarness::CommandResult off = h.RunCommand({"maintenance", "off"}, kTimeout);
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_EQ(StatusJson(off)["maintenance"], false);
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] { return h.sidecar().heartbeat_states().back() == "idle"; }, kTimeout));
  EXPECT_TRUE(h.JobStates(refused).empty());

  WorkerHarness::CommandResult stop = h.RunCommand({"stop", "--wait"}, kTimeout);
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(worker->Wait(kTimeout), std::optional<int>(0));
  EXPECT_EQ(h.sidecar().heartbeat_states().back(), "offline");
  EXPECT_EQ(WorkerHarness::ReadFile(h.airflow_home() + "/airflow-edge-worker.pid"), "");
}

TEST(WorkerLocalCommandsTest, StatusFileListsRunningJobs) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("busy");
  ASSERT_TRUE(h.sidecar().PushJob(key, WorkerHarness::TaskWorkload(key, {{"sleep", 3}}), 1));
  ASSERT_TRUE(h.WaitForJobState(key, "running", kTimeout));
  WorkerHarness::CommandResult status = h.RunCommand({"status"}, kTimeout);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(StatusJson(status)["jobs"], json::parse(R"([["demo_dag", "busy", "run_1", 1, -1]])"));
  EXPECT_EQ(StatusJson(status)["state"], "running");
  EXPECT_EQ(StatusJson(status)["job_count"], 1);
  // The file itself is edge3's WorkerStatus JSON.
  const json file = json::parse(WorkerHarness::ReadFile(h.airflow_home() + "/airflow-edge-worker.out"));
  EXPECT_EQ(file["jobs"], StatusJson(status)["jobs"]);
}

TEST(WorkerLocalCommandsTest, CentralMaintenanceAndShutdownRequests) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("in-flight");
  ASSERT_TRUE(h.sidecar().PushJob(key, WorkerHarness::TaskWorkload(key, {{"sleep", 1.5}}), 1));
  ASSERT_TRUE(h.WaitForJobState(key, "running", kTimeout));

  v1::HeartbeatResponse request;
  request.set_state("maintenance request");
  request.set_maintenance_comments("admin: rack move");
  ASSERT_TRUE(h.sidecar().PushStateChange(request));
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] { return h.sidecar().heartbeat_states().back() == "maintenance pending"; }, kTimeout));
  ASSERT_TRUE(h.WaitForJobState(key, "success", kTimeout));
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] { return h.sidecar().heartbeat_states().back() == "maintenance mode"; }, kTimeout));

  v1::HeartbeatResponse exit;
  exit.set_state("maintenance exit");
  ASSERT_TRUE(h.sidecar().PushStateChange(exit));
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] { return h.sidecar().heartbeat_states().back() == "idle"; }, kTimeout));

  v1::HeartbeatResponse concurrency;
  concurrency.set_state("idle");
  concurrency.set_concurrency(5);
  h.sidecar().SetCentralConcurrency(5);
  ASSERT_TRUE(h.sidecar().PushStateChange(concurrency));
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] {
        return h.sidecar().heartbeats().back().body().sysinfo().at("concurrency").int_value() == 5;
      },
      kTimeout));

  v1::HeartbeatResponse shutdown;
  shutdown.set_state("shutdown request");
  ASSERT_TRUE(h.sidecar().PushStateChange(shutdown));
  ASSERT_EQ(worker->Wait(kTimeout), std::optional<int>(0)) << worker->Stderr();
  EXPECT_EQ(h.sidecar().heartbeat_states().back(), "offline");
}

TEST(WorkerLocalCommandsTest, CommandsFailAsEdge3Does) {
  WorkerHarness h;
  WorkerHarness::CommandResult no_pid = h.RunCommand({"status"}, kTimeout);
  EXPECT_EQ(no_pid.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(no_pid.err + no_pid.out, "Could not find PID of worker."));
  EXPECT_EQ(h.RunCommand({"stop"}, kTimeout).exit_code, 1);
  WorkerHarness::CommandResult no_comment = h.RunCommand({"maintenance", "on"}, kTimeout);
  EXPECT_EQ(no_comment.exit_code, 4);
  EXPECT_TRUE(absl::StrContains(no_comment.err + no_comment.out,
                                "Comments are required when setting maintenance mode."));
}

TEST(WorkerLocalCommandsTest, SecondWorkerOnTheSamePidFileIsRefused) {
  WorkerHarness h;
  auto first = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << first->Stderr();
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] {
        return !WorkerHarness::ReadFile(h.airflow_home() + "/airflow-edge-worker.pid").empty();
      },
      kTimeout));
  auto second = h.StartWorker({"-H", "other-worker"});
  EXPECT_EQ(second->Wait(kTimeout), std::optional<int>(1));
  EXPECT_TRUE(absl::StrContains(second->Stderr(), "contains the PID of another running process"))
      << second->Stderr();
}

TEST(WorkerLocalCommandsTest, StalePidFileIsReplaced) {
  WorkerHarness h;
  {
    std::ofstream(h.airflow_home() + "/airflow-edge-worker.pid") << "999999\n";
  }
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] {
        return WorkerHarness::ReadFile(h.airflow_home() + "/airflow-edge-worker.pid") ==
               std::to_string(worker->pid()) + "\n";
      },
      kTimeout));
  EXPECT_TRUE(absl::StrContains(worker->Stderr(), "PID file is orphaned. Cleaning up."));
}

struct BadFlagCase {
  std::vector<std::string> args;
  std::string message;
};

TEST(WorkerLocalCommandsTest, InvalidFlagsAreRefusedBeforeStarting) {
  WorkerHarness h;
  const std::vector<BadFlagCase> cases = {
      {{"-H", std::string(65, 'w')}, "at most 64"},
      {{"-q", "default," + std::string(257, 'q')}, "at most 256"},
      {{"-q", "a,,b"}, "empty queue name"},
      {{"-c", "0"}, "-c/--concurrency must be a positive integer"},
      {{"-u", "999"}, "not an octal permission mask"},
  };
  for (const BadFlagCase& c : cases) {
    auto worker = h.StartWorker(c.args);
    EXPECT_EQ(worker->Wait(kTimeout), std::optional<int>(2)) << c.message;
    EXPECT_TRUE(absl::StrContains(worker->Stderr(), c.message)) << worker->Stderr();
  }
  EXPECT_TRUE(h.sidecar().registers().empty());
}

}  // namespace
}  // namespace edgectl::testing
