// End to end, real processes: failures of the parts. Killing and restarting the sidecar mid-job
// loses no state report and no log byte; a killed worker's task runs on, and the worker, started
// again under its name, registers at once and adopts it.
#include <signal.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"

namespace edgectl::e2e {
namespace {

using ::testing::HasSubstr;

TEST_F(EndToEndTest, SidecarRestartMidJobLosesNoStateReportAndNoLogByte) {
  auto worker = stack_->StartWorker("edge-resilient");
  ASSERT_TRUE(worker.ok()) << worker.status();
  TaskSpec spec;
  spec.task_id = "survivor";
  spec.standin = {{"lines", 60}, {"line_interval", 0.05}};
  QueuedJob job = Enqueue(spec);
  ASSERT_TRUE(AwaitJobState("survivor", "running"));
  ASSERT_TRUE(AwaitQuery("SELECT count(*) > 0 FROM edge_logs WHERE task_id = 'survivor'", "t"));

  ASSERT_TRUE(stack_->KillControlPlane().ok());
  ASSERT_TRUE(stack_->StartControlPlane().ok());

  ASSERT_TRUE(AwaitJobState("survivor", "success", 60));
  std::string file = LogFile(job);
  ASSERT_THAT(file, HasSubstr("line 59 of e2e_dag.survivor"));
  EXPECT_TRUE(AwaitQuery(
      "SELECT sum(octet_length(log_chunk_data)) FROM edge_logs WHERE task_id = 'survivor'",
      std::to_string(file.size()), 30));
  EXPECT_EQ(StoredLog("survivor"), file);
  // The worker keeps working through the new sidecar.
  TaskSpec next;
  next.task_id = "after_restart";
  next.standin = {{"lines", 1}};
  Enqueue(next);
  EXPECT_TRUE(AwaitJobState("after_restart", "success"));
}

TEST_F(EndToEndTest, AKilledWorkerRestartsUnderItsNameAtOnceAndAdoptsItsTask) {
  auto worker = stack_->StartWorker("edge-crash");
  ASSERT_TRUE(worker.ok()) << worker.status();
  const std::string pid_file = work_dir_ + "/task.pid";
  const std::string marker = work_dir_ + "/runs";
  TaskSpec spec;
  spec.task_id = "outlives_its_worker";
  spec.standin = {{"lines", 8}, {"line_interval", 0.5}, {"pid_file", pid_file},
                  {"run_marker", marker}};
  QueuedJob job = Enqueue(spec);
  int task_pid = 0;
  ASSERT_TRUE(Eventually(
      [&] {
        std::ifstream in(pid_file);
        return static_cast<bool>(in >> task_pid) && task_pid > 0;
      },
      absl::Seconds(30)));
  (*worker)->Signal(SIGKILL);
  ASSERT_TRUE((*worker)->WaitForExit(absl::Seconds(10)).ok());
  ASSERT_FALSE(ProcessGone(task_pid)) << "the task must outlive its killed worker";
  // Airflow still sees the worker as active (it would take 5 heartbeat intervals to notice);
  // the restarted process takes over its own registration at once instead of "already active".
  ASSERT_NE(WorkerState("edge-crash"), "unknown");
  const absl::Time restart = absl::Now();
  auto restarted = stack_->StartWorker("edge-crash");
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  EXPECT_LT(absl::Now() - restart, absl::Seconds(15));
  EXPECT_TRUE(Eventually(
      [&] {
        return stack_->controlplane()->Stdout().find("taking over its registration") !=
               std::string::npos;
      },
      absl::Seconds(10)));
  // It adopts the task, which finishes once, with its whole log delivered once.
  ASSERT_TRUE(AwaitJobState("outlives_its_worker", "success", 60)) << (*restarted)->Stderr();
  EXPECT_THAT((*restarted)->Stderr(), HasSubstr("Adopted task"));
  std::ifstream runs(marker);
  std::string line;
  int count = 0;
  while (std::getline(runs, line)) ++count;
  EXPECT_EQ(count, 1) << "the try ran more than once";
  EXPECT_TRUE(AwaitQuery("SELECT sum(octet_length(log_chunk_data)) FROM edge_logs WHERE "
                         "task_id = 'outlives_its_worker'",
                         std::to_string(LogFile(job).size()), 30));
  EXPECT_EQ(StoredLog("outlives_its_worker"), LogFile(job));
}

}  // namespace
}  // namespace edgectl::e2e
