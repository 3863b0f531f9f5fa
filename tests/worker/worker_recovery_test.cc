// The worker's promises across failures, with the real worker binary against the fake sidecar:
// a job starts only once its claim is granted (and never when refused); a task keeps running
// when its worker is killed, and the restarted worker adopts it or reports how it ended; reports
// and log bytes journaled before a restart are delivered after it; the workload never appears on
// a command line; a failing kind of call does not hold up the others.
#include <signal.h>
#include <sys/stat.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/worker/worker_harness.h"

namespace edgectl::testing {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(30);

int ReadPid(const std::string& pid_file) {
  int pid = 0;
  FakeSidecar::WaitFor(
      [&] {
        return absl::SimpleAtoi(absl::StripAsciiWhitespace(WorkerHarness::ReadFile(pid_file)),
                                &pid);
      },
      kTimeout);
  return pid;
}

size_t Lines(const std::string& path) {
  const std::string text = WorkerHarness::ReadFile(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(WorkerRecoveryTest, ARefusedClaimIsNeverStarted) {
  WorkerHarness h;
  h.sidecar().RefuseClaims(true);
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("taken_back");
  const std::string marker = h.airflow_home() + "/runs";
  ASSERT_TRUE(h.sidecar().PushJob(key, WorkerHarness::TaskWorkload(key, {{"run_marker", marker}}),
                                  1));
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] { return absl::StrContains(worker->Stderr(), "Not starting"); }, kTimeout))
      << worker->Stderr();
  EXPECT_EQ(h.sidecar().claims().size(), 1u);
  EXPECT_EQ(Lines(marker), 0u);
  EXPECT_TRUE(h.JobStates(key).empty());
  // The next job, granted, runs: the refusal cost nothing else.
  h.sidecar().RefuseClaims(false);
  const v1::JobKey next = WorkerHarness::Key("granted");
  ASSERT_TRUE(h.sidecar().PushJob(next, WorkerHarness::TaskWorkload(next, {{"run_marker", marker}}),
                                  1));
  ASSERT_TRUE(h.WaitForJobState(next, "success", kTimeout)) << worker->Stderr();
  EXPECT_EQ(Lines(marker), 1u);
}

TEST(WorkerRecoveryTest, AKilledWorkersTaskKeepsRunningAndIsAdoptedOnRestart) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("survivor");
  const std::string pid_file = h.airflow_home() + "/task.pid";
  const std::string marker = h.airflow_home() + "/runs";
  ASSERT_TRUE(h.sidecar().PushJob(
      key,
      WorkerHarness::TaskWorkload(key, {{"lines", 6},
                                        {"line_interval", 0.5},
                                        {"pid_file", pid_file},
                                        {"run_marker", marker}}),
      1));
  ASSERT_TRUE(h.WaitForJobState(key, "running", kTimeout));
  const int task_pid = ReadPid(pid_file);
  ASSERT_GT(task_pid, 0);
  worker->Signal(SIGKILL);
  worker->Wait(kTimeout);
  ASSERT_TRUE(WorkerHarness::ProcessAlive(task_pid)) << "the task must outlive its worker";

  auto restarted = h.StartWorker();
  ASSERT_TRUE(h.WaitForJobState(key, "success", kTimeout)) << restarted->Stderr();
  EXPECT_TRUE(absl::StrContains(restarted->Stderr(), "Adopted task")) << restarted->Stderr();
  EXPECT_EQ(Lines(marker), 1u) << "the try ran more than once";
  EXPECT_EQ(h.JobStates(key), (std::vector<std::string>{"running", "success"}));
  // Every byte of the log arrived once, across both worker processes.
  EXPECT_TRUE(FakeSidecar::WaitFor(
      [&] { return h.sidecar().StoredLog(key) == WorkerHarness::ReadFile(h.LogFile(key)); },
      kTimeout))
      << h.sidecar().StoredLog(key);
  // The crashed predecessor was named, so the sidecar could release its registration.
  const auto registers = h.sidecar().registers();
  ASSERT_EQ(registers.size(), 2u);
  EXPECT_EQ(registers[1].previous_instance_id(), registers[0].instance_id());
}

TEST(WorkerRecoveryTest, ATaskThatEndedWhileTheWorkerWasDownIsReportedWithItsExitCode) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("ended_alone");
  const std::string pid_file = h.airflow_home() + "/task.pid";
  ASSERT_TRUE(h.sidecar().PushJob(
      key,
      WorkerHarness::TaskWorkload(
          key, {{"sleep", 1}, {"pid_file", pid_file}, {"exit_code", 3}, {"stderr", "gave up\n"}}),
      1));
  const int task_pid = ReadPid(pid_file);
  ASSERT_GT(task_pid, 0);
  worker->Signal(SIGKILL);
  worker->Wait(kTimeout);
  ASSERT_TRUE(FakeSidecar::WaitFor([&] { return !WorkerHarness::ProcessAlive(task_pid); },
                                   kTimeout));
  auto restarted = h.StartWorker();
  ASSERT_TRUE(h.WaitForJobState(key, "failed", kTimeout)) << restarted->Stderr();
  EXPECT_TRUE(FakeSidecar::WaitFor(
      [&] {
        return h.sidecar().StoredLog(key) ==
               WorkerHarness::ReadFile(h.LogFile(key)) + "Error executing job:\ngave up\n";
      },
      kTimeout))
      << h.sidecar().StoredLog(key);
}

TEST(WorkerRecoveryTest, ATaskKilledWhileTheWorkerWasDownIsReportedFailedWithTheReason) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("killed_alone");
  const std::string pid_file = h.airflow_home() + "/task.pid";
  ASSERT_TRUE(h.sidecar().PushJob(
      key, WorkerHarness::TaskWorkload(key, {{"sleep", 120}, {"pid_file", pid_file}}), 1));
  const int task_pid = ReadPid(pid_file);
  ASSERT_GT(task_pid, 0);
  worker->Signal(SIGKILL);
  worker->Wait(kTimeout);
  // Its whole process group (keeper included) dies without a word.
  const pid_t group = getpgid(task_pid);
  ASSERT_GT(group, 1);
  kill(-group, SIGKILL);
  ASSERT_TRUE(FakeSidecar::WaitFor([&] { return !WorkerHarness::ProcessAlive(task_pid); },
                                   kTimeout));
  auto restarted = h.StartWorker();
  ASSERT_TRUE(h.WaitForJobState(key, "failed", kTimeout)) << restarted->Stderr();
  EXPECT_TRUE(FakeSidecar::WaitFor(
      [&] {
        return absl::StrContains(h.sidecar().StoredLog(key), "recorded no exit code");
      },
      kTimeout))
      << h.sidecar().StoredLog(key);
}

TEST(WorkerRecoveryTest, ReportsJournaledBeforeARestartAreDeliveredAfterIt) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("during_outage");
  const std::string pid_file = h.airflow_home() + "/task.pid";
  ASSERT_TRUE(h.sidecar().PushJob(
      key,
      WorkerHarness::TaskWorkload(key, {{"lines", 4}, {"sleep", 1}, {"pid_file", pid_file}}),
      1));
  ASSERT_TRUE(h.WaitForJobState(key, "running", kTimeout));
  const int task_pid = ReadPid(pid_file);
  h.sidecar().Stop();  // the outage: the job finishes meanwhile, nothing can be delivered
  ASSERT_TRUE(FakeSidecar::WaitFor([&] { return !WorkerHarness::ProcessAlive(task_pid); },
                                   kTimeout));
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] { return absl::StrContains(worker->Stderr(), "Job completed"); }, kTimeout))
      << worker->Stderr();
  worker->Signal(SIGKILL);  // and the worker is lost too, before the sidecar came back
  worker->Wait(kTimeout);
  h.sidecar().Start();
  auto restarted = h.StartWorker();
  ASSERT_TRUE(h.WaitForJobState(key, "success", kTimeout)) << restarted->Stderr();
  EXPECT_TRUE(FakeSidecar::WaitFor(
      [&] { return h.sidecar().StoredLog(key) == WorkerHarness::ReadFile(h.LogFile(key)); },
      kTimeout));
  EXPECT_EQ(h.sidecar().duplicate_log_chunks(), 0);
  // Delivered, the job leaves the journal.
  EXPECT_TRUE(FakeSidecar::WaitFor(
      [&] {
        return !absl::StrContains(
            WorkerHarness::ReadFile(h.airflow_home() +
                                    "/edgectl-worker/edge-test-worker/journal.jsonl"),
            "\"forget\"") == false;
      },
      kTimeout));
}

TEST(WorkerRecoveryTest, TheWorkloadIsAPrivateFileNotACommandLineArgument) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  const v1::JobKey key = WorkerHarness::Key("big_workload");
  const std::string pid_file = h.airflow_home() + "/task.pid";
  nlohmann::json workload = nlohmann::json::parse(WorkerHarness::TaskWorkload(
      key, {{"sleep", 1}, {"pid_file", pid_file}}));
  workload["token"] = "secret-execution-api-token";
  workload["padding"] = std::string(1 << 20, 'x');  // 1 MB: more than one argument may hold
  ASSERT_TRUE(h.sidecar().PushJob(key, workload.dump(), 1));
  const int task_pid = ReadPid(pid_file);
  ASSERT_GT(task_pid, 0);
  for (pid_t pid : {task_pid, getpgid(task_pid)}) {
    const std::string cmdline =
        WorkerHarness::ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
    EXPECT_FALSE(cmdline.empty());
    EXPECT_EQ(cmdline.find("secret-execution-api-token"), std::string::npos) << cmdline;
    EXPECT_NE(cmdline.find("--json-path"), std::string::npos);
  }
  ASSERT_TRUE(h.WaitForJobState(key, "success", kTimeout)) << worker->Stderr();
}

TEST(WorkerRecoveryTest, FailingHeartbeatsDoNotHoldUpJobsReportsOrLogs) {
  WorkerHarness h;
  auto worker = h.StartWorker();
  ASSERT_TRUE(h.WaitUntilConnected()) << worker->Stderr();
  // Airflow answers every heartbeat with 503s (the sidecar says UNAVAILABLE).
  h.sidecar().SetHeartbeatError(grpc::Status(grpc::StatusCode::UNAVAILABLE, "HTTP 503"));
  const size_t connects = h.sidecar().connects().size();
  for (int i = 0; i < 3; ++i) {
    const v1::JobKey key = WorkerHarness::Key("while_heartbeats_fail_" + std::to_string(i));
    ASSERT_TRUE(h.sidecar().PushJob(key, WorkerHarness::TaskWorkload(key, {{"lines", 3}}), 1));
    ASSERT_TRUE(h.WaitForJobState(key, "success", kTimeout)) << worker->Stderr();
    EXPECT_TRUE(FakeSidecar::WaitFor(
        [&] { return h.sidecar().StoredLog(key) == WorkerHarness::ReadFile(h.LogFile(key)); },
        kTimeout));
  }
  // A failing call is not a lost link: the stream stayed up.
  EXPECT_EQ(h.sidecar().connects().size(), connects);
  EXPECT_TRUE(h.sidecar().stream_open());
}

}  // namespace
}  // namespace edgectl::testing
