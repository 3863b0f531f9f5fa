// End to end, real processes: the worker's lifecycle as edge3 defines it — stop drains, local and
// central maintenance walk the state table, central shutdown / remove / queues / concurrency take
// effect, duplicate names and version mismatches end the worker with edge3's messages.
#include <signal.h>

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"

namespace edgectl::e2e {
namespace {

using ::testing::HasSubstr;

TaskSpec SlowTask(const std::string& task_id, double seconds) {
  TaskSpec spec;
  spec.task_id = task_id;
  spec.standin = {{"lines", 1}, {"sleep", seconds}};
  return spec;
}

TEST_F(EndToEndTest, StopDrainsRunningJobsTakesNoNewOnesThenGoesOffline) {
  auto worker = stack_->StartWorker("edge-stop-1");
  ASSERT_TRUE(worker.ok()) << worker.status();
  Enqueue(SlowTask("long", 3));
  ASSERT_TRUE(AwaitJobState("long", "running"));

  CommandResult stop = Edgectl({"stop"}, "edge-stop-1");
  ASSERT_EQ(stop.exit_code, 0) << stop.combined();
  EXPECT_TRUE(AwaitWorkerState("edge-stop-1", "terminating", 10));
  Enqueue(SlowTask("after_stop", 0));
  auto code = (*worker)->WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << (*worker)->Stderr();
  EXPECT_EQ(JobState("long"), "success");
  EXPECT_EQ(JobState("after_stop"), "queued");
  EXPECT_EQ(WorkerState("edge-stop-1"), "offline");
}

TEST_F(EndToEndTest, LocalMaintenanceWaitsForRunningJobThenExits) {
  auto worker = stack_->StartWorker("edge-maint-1");
  ASSERT_TRUE(worker.ok()) << worker.status();
  Enqueue(SlowTask("busy", 3));
  ASSERT_TRUE(AwaitJobState("busy", "running"));

  CommandResult on = Edgectl({"maintenance", "on", "-c", "swap disk"}, "edge-maint-1");
  ASSERT_EQ(on.exit_code, 0) << on.combined();
  EXPECT_TRUE(AwaitWorkerState("edge-maint-1", "maintenance pending", 10));
  Enqueue(SlowTask("while_in_maintenance", 0));
  EXPECT_TRUE(AwaitJobState("busy", "success"));
  EXPECT_TRUE(AwaitWorkerState("edge-maint-1", "maintenance mode", 15));
  EXPECT_THAT(Query("SELECT maintenance_comment FROM edge_worker"), HasSubstr("swap disk"));
  EXPECT_EQ(JobState("while_in_maintenance"), "queued");

  CommandResult status = Edgectl({"status"}, "edge-maint-1");
  ASSERT_EQ(status.exit_code, 0) << status.combined();
  EXPECT_THAT(status.combined(), HasSubstr("\"maintenance\": true"));

  CommandResult off = Edgectl({"maintenance", "off"}, "edge-maint-1");
  ASSERT_EQ(off.exit_code, 0) << off.combined();
  EXPECT_TRUE(AwaitJobState("while_in_maintenance", "success"));
  EXPECT_TRUE(AwaitWorkerState("edge-maint-1", "idle", 15));
}

TEST_F(EndToEndTest, CentralMaintenanceRequestAndExit) {
  auto worker = stack_->StartWorker("edge-remote-1");
  ASSERT_TRUE(worker.ok()) << worker.status();
  Enqueue(SlowTask("busy", 3));
  ASSERT_TRUE(AwaitJobState("busy", "running"));

  CommandResult request = Edgectl(
      {"remote-edge-worker-request-maintenance", "-H", "edge-remote-1", "-c", "rack move"});
  ASSERT_EQ(request.exit_code, 0) << request.combined();
  EXPECT_TRUE(AwaitWorkerState("edge-remote-1", "maintenance pending", 15));
  EXPECT_TRUE(AwaitJobState("busy", "success"));
  EXPECT_TRUE(AwaitWorkerState("edge-remote-1", "maintenance mode", 15));
  Enqueue(SlowTask("held", 0));

  CommandResult exit = Edgectl({"remote-edge-worker-exit-maintenance", "-H", "edge-remote-1"});
  ASSERT_EQ(exit.exit_code, 0) << exit.combined();
  EXPECT_TRUE(AwaitJobState("held", "success"));
  EXPECT_TRUE(AwaitWorkerState("edge-remote-1", "idle", 15));
}

TEST_F(EndToEndTest, CentralShutdownDrainsThenRemoveDeletesTheRow) {
  auto worker = stack_->StartWorker("edge-shut-1");
  ASSERT_TRUE(worker.ok()) << worker.status();
  Enqueue(SlowTask("finishing", 2));
  ASSERT_TRUE(AwaitJobState("finishing", "running"));

  CommandResult early_remove = Edgectl({"remove-remote-edge-worker", "-H", "edge-shut-1"});
  EXPECT_NE(early_remove.exit_code, 0) << "a running worker must not be removable";

  CommandResult shutdown = Edgectl({"shutdown-remote-edge-worker", "-H", "edge-shut-1"});
  ASSERT_EQ(shutdown.exit_code, 0) << shutdown.combined();
  auto code = (*worker)->WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(JobState("finishing"), "success");
  EXPECT_EQ(WorkerState("edge-shut-1"), "offline");

  CommandResult remove = Edgectl({"remove-remote-edge-worker", "-H", "edge-shut-1"});
  ASSERT_EQ(remove.exit_code, 0) << remove.combined();
  EXPECT_EQ(Query("SELECT count(*) FROM edge_worker"), "0");
}

TEST_F(EndToEndTest, CentralQueueAndConcurrencyChangesAreAdopted) {
  auto worker = stack_->StartWorker("edge-adopt-1", {"-q", "default", "-c", "1"});
  ASSERT_TRUE(worker.ok()) << worker.status();
  TaskSpec gpu;
  gpu.task_id = "gpu_job";
  gpu.queue = "gpu";
  gpu.standin = {{"lines", 1}};
  Enqueue(gpu);

  CommandResult add = Edgectl({"add-worker-queues", "-H", "edge-adopt-1", "-q", "gpu"});
  ASSERT_EQ(add.exit_code, 0) << add.combined();
  EXPECT_TRUE(AwaitJobState("gpu_job", "success"));

  CommandResult concurrency = Edgectl({"set-worker-concurrency", "-H", "edge-adopt-1", "-c", "3"});
  ASSERT_EQ(concurrency.exit_code, 0) << concurrency.combined();
  EXPECT_TRUE(AwaitQuery(
      "SELECT sysinfo->>'concurrency' FROM edge_worker WHERE worker_name = 'edge-adopt-1'", "3",
      15));
  for (int i = 0; i < 3; ++i) Enqueue(SlowTask(absl::StrCat("par", i), 2));
  EXPECT_TRUE(AwaitQuery("SELECT count(*) FROM edge_job WHERE task_id LIKE 'par%' AND state = 'running'",
                         "3", 15))
      << "the worker did not run 3 jobs at once after set-worker-concurrency 3";
}

// With the notification triggers (`edgectl db init --with-notify`) the centre's changes reach a
// worker through the edge_worker trigger alone: heartbeats every 60 s and the state watcher's
// fallback poll once an hour could not deliver them within the waits below.
class NotifyEndToEndTest : public EndToEndTest {
 protected:
  int HeartbeatIntervalSec() const override { return 60; }
  std::map<std::string, std::string> ControlPlaneEnv() const override {
    return {{"AIRFLOW__EDGE__CONTROLPLANE_STATE_POLL_INTERVAL_MS", "3600000"}};
  }
  void SetUp() override {
    EndToEndTest::SetUp();
    if (HasFatalFailure()) return;
    CommandResult init = Edgectl({"db", "init", "--with-notify"});
    ASSERT_EQ(init.exit_code, 0) << init.combined();
    // A sidecar checks for the triggers when its LISTEN session starts.
    ASSERT_TRUE(stack_->KillControlPlane().ok());
    ASSERT_TRUE(stack_->StartControlPlane().ok());
  }
};

TEST_F(NotifyEndToEndTest, CentralChangesArriveThroughTheTriggerAlone) {
  ASSERT_TRUE(stack_->controlplane()
                  ->WaitForOutput("following edge_worker and token changes on NOTIFY",
                                  absl::Seconds(30))
                  .ok())
      << stack_->controlplane()->Stdout();
  auto worker = stack_->StartWorker("edge-notified");
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE(AwaitWorkerState("edge-notified", "idle", 15));

  CommandResult request = Edgectl(
      {"remote-edge-worker-request-maintenance", "-H", "edge-notified", "-c", "new disk"});
  ASSERT_EQ(request.exit_code, 0) << request.combined();
  EXPECT_TRUE(AwaitWorkerState("edge-notified", "maintenance mode", 15));
  EXPECT_THAT(stack_->controlplane()->Stdout(),
              HasSubstr("worker edge-notified is now 'maintenance request'; notifying it"));

  CommandResult exit = Edgectl({"remote-edge-worker-exit-maintenance", "-H", "edge-notified"});
  ASSERT_EQ(exit.exit_code, 0) << exit.combined();
  EXPECT_TRUE(AwaitWorkerState("edge-notified", "idle", 15));

  CommandResult concurrency = Edgectl({"set-worker-concurrency", "-H", "edge-notified", "-c", "3"});
  ASSERT_EQ(concurrency.exit_code, 0) << concurrency.combined();
  EXPECT_TRUE(AwaitQuery(
      "SELECT sysinfo->>'concurrency' FROM edge_worker WHERE worker_name = 'edge-notified'", "3",
      15));
  Enqueue(SlowTask("after_notified_changes", 0));
  EXPECT_TRUE(AwaitJobState("after_notified_changes", "success"));
}

TEST_F(EndToEndTest, DuplicateWorkerNameIsRefused) {
  auto first = stack_->StartWorker("edge-dup");
  ASSERT_TRUE(first.ok()) << first.status();
  // The same name and credentials, another AIRFLOW_HOME (another machine, say).
  auto env = stack_->WorkerEnv("edge-dup");
  env["AIRFLOW_HOME"] = stack_->airflow_home("edge-dup-second");
  ASSERT_TRUE(stack_->PrepareCredentials("edge-dup-second").ok());  // makes that home
  auto second = ChildProcess::Start(
      {stack_->options().edgectl_binary, "worker", "-H", "edge-dup",
       "--controlplane-address=" + stack_->controlplane_address(), "--pid",
       work_dir_ + "/second.pid"},
      env, work_dir_);
  ASSERT_TRUE(second.ok());
  auto code = (*second)->WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_NE(*code, 0);
  EXPECT_THAT((*second)->Stdout() + (*second)->Stderr(),
              HasSubstr("A worker with the name 'edge-dup' is already active"));
  EXPECT_TRUE((*first)->Running());
}

TEST_F(EndToEndTest, VersionMismatchAtRegistrationEndsTheWorker) {
  ASSERT_TRUE(stack_->PrepareCredentials("edge-old").ok());
  auto worker = ChildProcess::Start(
      {stack_->options().edgectl_binary, "worker", "-H", "edge-old",
       "--controlplane-address=" + stack_->controlplane_address()},
      [&] {
        auto env = stack_->WorkerEnv("edge-old");
        env["EDGECTL_STANDIN_AIRFLOW_VERSION"] = "3.0.6";
        return env;
      }(),
      work_dir_);
  ASSERT_TRUE(worker.ok());
  auto code = (*worker)->WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 1);
  std::string output = (*worker)->Stdout() + (*worker)->Stderr();
  EXPECT_THAT(output, HasSubstr("Version mismatch of Edge worker and Core"));
  EXPECT_THAT(output, HasSubstr("3.0.6"));
  EXPECT_THAT(output, HasSubstr("3.1.0"));
}

TEST_F(EndToEndTest, VersionMismatchOnHeartbeatDrainsAndExitsNonZero) {
  auto worker = stack_->StartWorker("edge-upgraded");
  ASSERT_TRUE(worker.ok()) << worker.status();
  Enqueue(SlowTask("in_flight", 3));
  ASSERT_TRUE(AwaitJobState("in_flight", "running"));
  // Airflow is upgraded underneath the running worker.
  ASSERT_TRUE(stack_->RestartAirflowDouble("3.2.0", "5.0.0").ok());
  auto code = (*worker)->WaitForExit(absl::Seconds(40));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_NE(*code, 0);
  std::string output = (*worker)->Stdout() + (*worker)->Stderr();
  EXPECT_THAT(output, HasSubstr("3.2.0"));
  EXPECT_THAT(output, HasSubstr("3.1.0"));
  EXPECT_EQ(JobState("in_flight"), "success") << "the running job must be drained, not killed";
}

}  // namespace
}  // namespace edgectl::e2e
