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

class WorkerRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    worker_ = h_.StartWorker();
    ASSERT_TRUE(h_.WaitUntilConnected()) << worker_->Stderr();
  }
  // Pushes task `name` (it writes its pid to pid_file_) and waits until it runs.
  v1::JobKey StartTask(const std::string& name, nlohmann::json knobs) {
    const v1::JobKey key = WorkerHarness::Key(name);
    knobs["pid_file"] = pid_file_;
    EXPECT_TRUE(h_.sidecar().PushJob(key, WorkerHarness::TaskWorkload(key, knobs), 1));
    task_pid_ = ReadPid(pid_file_);
    EXPECT_GT(task_pid_, 0);
    return key;
  }
  void KillWorker() {
    worker_->Signal(SIGKILL);
    worker_->Wait(kTimeout);
  }
  bool AwaitTaskGone() {
    return FakeSidecar::WaitFor([&] { return !WorkerHarness::ProcessAlive(task_pid_); },
                                kTimeout);
  }
  bool AwaitStoredLog(const v1::JobKey& key, const std::string& suffix = "") {
    return FakeSidecar::WaitFor(
        [&] {
          return h_.sidecar().StoredLog(key) == WorkerHarness::ReadFile(h_.LogFile(key)) + suffix;
        },
        kTimeout);
  }

  WorkerHarness h_;
  std::unique_ptr<ChildProcess> worker_;
  const std::string pid_file_ = h_.airflow_home() + "/task.pid";
  const std::string marker_ = h_.airflow_home() + "/runs";
  int task_pid_ = 0;
};

TEST_F(WorkerRecoveryTest, ARefusedClaimIsNeverStarted) {
  h_.sidecar().RefuseClaims(true);
  const v1::JobKey key = WorkerHarness::Key("taken_back");
  ASSERT_TRUE(h_.sidecar().PushJob(key,
                                   WorkerHarness::TaskWorkload(key, {{"run_marker", marker_}}), 1));
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] { return absl::StrContains(worker_->Stderr(), "Not starting"); }, kTimeout))
      << worker_->Stderr();
  EXPECT_EQ(h_.sidecar().claims().size(), 1u);
  EXPECT_EQ(Lines(marker_), 0u);
  EXPECT_TRUE(h_.JobStates(key).empty());
  // The next job, granted, runs: the refusal cost nothing else.
  h_.sidecar().RefuseClaims(false);
  const v1::JobKey next = WorkerHarness::Key("granted");
  ASSERT_TRUE(h_.sidecar().PushJob(
      next, WorkerHarness::TaskWorkload(next, {{"run_marker", marker_}}), 1));
  ASSERT_TRUE(h_.WaitForJobState(next, "success", kTimeout)) << worker_->Stderr();
  EXPECT_EQ(Lines(marker_), 1u);
}

TEST_F(WorkerRecoveryTest, AKilledWorkersTaskKeepsRunningAndIsAdoptedOnRestart) {
  const v1::JobKey key =
      StartTask("survivor", {{"lines", 6}, {"line_interval", 0.5}, {"run_marker", marker_}});
  ASSERT_TRUE(h_.WaitForJobState(key, "running", kTimeout));
  KillWorker();
  ASSERT_TRUE(WorkerHarness::ProcessAlive(task_pid_)) << "the task must outlive its worker";

  auto restarted = h_.StartWorker();
  ASSERT_TRUE(h_.WaitForJobState(key, "success", kTimeout)) << restarted->Stderr();
  EXPECT_TRUE(absl::StrContains(restarted->Stderr(), "Adopted task")) << restarted->Stderr();
  EXPECT_EQ(Lines(marker_), 1u) << "the try ran more than once";
  EXPECT_EQ(h_.JobStates(key), (std::vector<std::string>{"running", "success"}));
  // Every byte of the log arrived once, across both worker processes.
  EXPECT_TRUE(AwaitStoredLog(key)) << h_.sidecar().StoredLog(key);
  // The crashed predecessor was named, so the sidecar could release its registration.
  const auto registers = h_.sidecar().registers();
  ASSERT_EQ(registers.size(), 2u);
  EXPECT_EQ(registers[1].previous_instance_id(), registers[0].instance_id());
}

TEST_F(WorkerRecoveryTest, ATaskThatEndedWhileTheWorkerWasDownIsReportedWithItsExitCode) {
  const v1::JobKey key =
      StartTask("ended_alone", {{"sleep", 1}, {"exit_code", 3}, {"stderr", "gave up\n"}});
  KillWorker();
  ASSERT_TRUE(AwaitTaskGone());
  auto restarted = h_.StartWorker();
  ASSERT_TRUE(h_.WaitForJobState(key, "failed", kTimeout)) << restarted->Stderr();
  EXPECT_TRUE(AwaitStoredLog(key, "Error executing job:\ngave up\n"))
      << h_.sidecar().StoredLog(key);
}

TEST_F(WorkerRecoveryTest, ATaskKilledWhileTheWorkerWasDownIsReportedFailedWithTheReason) {
  const v1::JobKey key = StartTask("killed_alone", {{"sleep", 120}});
  KillWorker();
  // Its whole process group (keeper included) dies without a word.
  const pid_t group = getpgid(task_pid_);
  ASSERT_GT(group, 1);
  kill(-group, SIGKILL);
  ASSERT_TRUE(AwaitTaskGone());
  auto restarted = h_.StartWorker();
  ASSERT_TRUE(h_.WaitForJobState(key, "failed", kTimeout)) << restarted->Stderr();
  EXPECT_TRUE(FakeSidecar::WaitFor(
      [&] { return absl::StrContains(h_.sidecar().StoredLog(key), "recorded no exit code"); },
      kTimeout))
      << h_.sidecar().StoredLog(key);
}

TEST_F(WorkerRecoveryTest, ReportsJournaledBeforeARestartAreDeliveredAfterIt) {
  const v1::JobKey key = StartTask("during_outage", {{"lines", 4}, {"sleep", 1}});
  ASSERT_TRUE(h_.WaitForJobState(key, "running", kTimeout));
  h_.sidecar().Stop();  // the outage: the job finishes meanwhile, nothing can be delivered
  ASSERT_TRUE(AwaitTaskGone());
  ASSERT_TRUE(FakeSidecar::WaitFor(
      [&] { return absl::StrContains(worker_->Stderr(), "Job completed"); }, kTimeout))
      << worker_->Stderr();
  KillWorker();  // and the worker is lost too, before the sidecar came back
  h_.sidecar().Start();
  auto restarted = h_.StartWorker();
  ASSERT_TRUE(h_.WaitForJobState(key, "success", kTimeout)) << restarted->Stderr();
  EXPECT_TRUE(AwaitStoredLog(key));
  EXPECT_EQ(h_.sidecar().duplicate_log_chunks(), 0);
  // Delivered, the job leaves the journal.
  EXPECT_TRUE(FakeSidecar::WaitFor(
      [&] {
        return absl::StrContains(
            WorkerHarness::ReadFile(h_.airflow_home() +
                                    "/edgectl-worker/edge-test-worker/journal.jsonl"),
            "\"forget\"");
      },
      kTimeout));
}

TEST_F(WorkerRecoveryTest, TheWorkloadIsAPrivateFileNotACommandLineArgument) {
  const v1::JobKey key = WorkerHarness::Key("big_workload");
  nlohmann::json workload = nlohmann::json::parse(
      WorkerHarness::TaskWorkload(key, {{"sleep", 1}, {"pid_file", pid_file_}}));
  workload["token"] = "secret-execution-api-token";
  workload["padding"] = std::string(1 << 20, 'x');  // 1 MB: more than one argument may hold
  ASSERT_TRUE(h_.sidecar().PushJob(key, workload.dump(), 1));
  const int task_pid = ReadPid(pid_file_);
  ASSERT_GT(task_pid, 0);
  for (pid_t pid : {task_pid, getpgid(task_pid)}) {
    const std::string cmdline =
        WorkerHarness::ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
    EXPECT_FALSE(cmdline.empty());
    EXPECT_EQ(cmdline.find("secret-execution-api-token"), std::string::npos) << cmdline;
    EXPECT_NE(cmdline.find("--json-path"), std::string::npos);
  }
  ASSERT_TRUE(h_.WaitForJobState(key, "success", kTimeout)) << worker_->Stderr();
}

TEST_F(WorkerRecoveryTest, FailingHeartbeatsDoNotHoldUpJobsReportsOrLogs) {
  // Airflow answers every heartbeat with 503s (the sidecar says UNAVAILABLE).
  h_.sidecar().SetHeartbeatError(grpc::Status(grpc::StatusCode::UNAVAILABLE, "HTTP 503"));
  const size_t connects = h_.sidecar().connects().size();
  for (int i = 0; i < 3; ++i) {
    const v1::JobKey key = WorkerHarness::Key("while_heartbeats_fail_" + std::to_string(i));
    ASSERT_TRUE(h_.sidecar().PushJob(key, WorkerHarness::TaskWorkload(key, {{"lines", 3}}), 1));
    ASSERT_TRUE(h_.WaitForJobState(key, "success", kTimeout)) << worker_->Stderr();
    EXPECT_TRUE(AwaitStoredLog(key));
  }
  // A failing call is not a lost link: the stream stayed up.
  EXPECT_EQ(h_.sidecar().connects().size(), connects);
  EXPECT_TRUE(h_.sidecar().stream_open());
}

}  // namespace
}  // namespace edgectl::testing
