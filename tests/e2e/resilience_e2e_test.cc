// End to end, real processes: failures of the parts. Killing and restarting the sidecar mid-job
// loses no state report and no log byte; killing the worker leaves no task process behind.
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

TEST_F(EndToEndTest, KilledWorkerLeavesNoTaskProcess) {
  auto worker = stack_->StartWorker("edge-killed");
  ASSERT_TRUE(worker.ok()) << worker.status();
  const std::string pid_file = work_dir_ + "/task.pid";
  TaskSpec spec;
  spec.task_id = "orphan_candidate";
  spec.standin = {{"lines", 1}, {"sleep", 120}, {"pid_file", pid_file}};
  Enqueue(spec);
  int task_pid = 0;
  ASSERT_TRUE(Eventually(
      [&] {
        std::ifstream in(pid_file);
        return static_cast<bool>(in >> task_pid) && task_pid > 0;
      },
      absl::Seconds(30)));
  ASSERT_FALSE(ProcessGone(task_pid));

  (*worker)->Signal(SIGKILL);
  ASSERT_TRUE((*worker)->WaitForExit(absl::Seconds(10)).ok());
  EXPECT_TRUE(Eventually([&] { return ProcessGone(task_pid); }, absl::Seconds(10)))
      << "task process " << task_pid << " outlived its killed worker";
}

}  // namespace
}  // namespace edgectl::e2e
