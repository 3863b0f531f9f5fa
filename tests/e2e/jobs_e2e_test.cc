// End to end, real processes: jobs queued in edge_job run on a worker through the sidecar and the
// Airflow API double, reach success/failed, and their logs reach edge_logs byte for byte.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"

namespace edgectl::e2e {
namespace {

using ::testing::HasSubstr;

TEST_F(EndToEndTest, JobsSucceedOrFailAndLogsMatchTheFileByteForByte) {
  auto worker = stack_->StartWorker("edge-jobs-1", {"-c", "4"});
  ASSERT_TRUE(worker.ok()) << worker.status();

  TaskSpec ok;
  ok.task_id = "ok";
  ok.run_id = "manual__2026-01-01T00:00:00+00:00";
  ok.standin = {{"lines", 40}, {"line_interval", 0.02}};
  TaskSpec unicode;
  unicode.task_id = "unicode";
  unicode.dag_id = "dag.with.dots";
  unicode.standin = {{"raw_log", "héllo wörld ✓ 日本語\nemoji 🚀 end\n"}};
  TaskSpec failing;
  failing.task_id = "failing";
  failing.standin = {{"lines", 2}, {"exit_code", 3}, {"stderr", "RuntimeError: boom"}};
  QueuedJob ok_job = Enqueue(ok);
  QueuedJob unicode_job = Enqueue(unicode);
  QueuedJob failing_job = Enqueue(failing);

  ASSERT_TRUE(AwaitJobState("ok", "success"));
  ASSERT_TRUE(AwaitJobState("unicode", "success"));
  ASSERT_TRUE(AwaitJobState("failing", "failed"));
  EXPECT_EQ(Query("SELECT edge_worker FROM edge_job WHERE task_id = 'ok'"), "edge-jobs-1");

  // Log shipping is asynchronous to the state report only up to the final flush, which edge3
  // also does before reporting: once the state is final the log is complete.
  std::string ok_file = LogFile(ok_job);
  ASSERT_THAT(ok_file, HasSubstr("line 39 of e2e_dag.ok"));
  EXPECT_EQ(StoredLog("ok"), ok_file);
  EXPECT_EQ(StoredLog("unicode"), LogFile(unicode_job));
  EXPECT_EQ(LogFile(unicode_job), "héllo wörld ✓ 日本語\nemoji 🚀 end\n");
  // The failure text is pushed after the file's bytes, as edge3 does.
  EXPECT_EQ(StoredLog("failing"),
            LogFile(failing_job) + "Error executing job:\nRuntimeError: boom");
}

TEST_F(EndToEndTest, HeartbeatsMoveLastUpdate) {
  auto worker = stack_->StartWorker("edge-hb-1");
  ASSERT_TRUE(worker.ok()) << worker.status();
  std::string first = Query("SELECT last_update FROM edge_worker WHERE worker_name = 'edge-hb-1'");
  ASSERT_FALSE(first.empty());
  EXPECT_TRUE(AwaitQuery(
      "SELECT last_update > '" + first + "' FROM edge_worker WHERE worker_name = 'edge-hb-1'",
      "t", 3 * HeartbeatIntervalSec() + 5));
  EXPECT_EQ(WorkerState("edge-hb-1"), "idle");
}

TEST_F(EndToEndTest, ConcurrencyAndSlotsAreNeverExceeded) {
  auto worker = stack_->StartWorker("edge-slots-1", {"-c", "3"});
  ASSERT_TRUE(worker.ok()) << worker.status();
  for (int i = 0; i < 6; ++i) {
    TaskSpec spec;
    spec.task_id = absl::StrCat("t", i);
    spec.pool_slots = (i % 3 == 0) ? 2 : 1;
    spec.standin = {{"lines", 1}, {"sleep", 0.8}};
    Enqueue(spec);
  }
  int max_slots = 0;
  bool done = Eventually(
      [&] {
        std::string slots = Query(
            "SELECT COALESCE(sum(concurrency_slots), 0) FROM edge_job "
            "WHERE state IN ('running', 'restarting')");
        max_slots = std::max(max_slots, std::atoi(slots.c_str()));
        return Query("SELECT count(*) FROM edge_job WHERE state = 'success'") == "6";
      },
      absl::Seconds(60));
  ASSERT_TRUE(done) << "jobs: " << Query("SELECT string_agg(task_id || '=' || state, ',') FROM edge_job");
  EXPECT_LE(max_slots, 3);
  EXPECT_GE(max_slots, 2) << "jobs never ran in parallel";
}

TEST_F(EndToEndTest, QueueFilteringRoutesJobsToWorkersServingTheQueue) {
  auto gpu = stack_->StartWorker("edge-gpu", {"-q", "gpu"});
  ASSERT_TRUE(gpu.ok()) << gpu.status();
  auto cpu = stack_->StartWorker("edge-cpu", {"-q", "default,batch"});
  ASSERT_TRUE(cpu.ok()) << cpu.status();
  for (const char* queue : {"gpu", "default", "batch", "gpu"}) {
    TaskSpec spec;
    spec.task_id = absl::StrCat("on_", queue, "_", Query("SELECT count(*) FROM edge_job"));
    spec.queue = queue;
    spec.standin = {{"lines", 1}};
    Enqueue(spec);
  }
  TaskSpec orphan;
  orphan.task_id = "nobody_serves";
  orphan.queue = "tpu";
  Enqueue(orphan);
  ASSERT_TRUE(AwaitQuery("SELECT count(*) FROM edge_job WHERE state = 'success'", "4"));
  EXPECT_EQ(Query("SELECT string_agg(DISTINCT edge_worker, ',') FROM edge_job WHERE queue = 'gpu'"),
            "edge-gpu");
  EXPECT_EQ(Query("SELECT string_agg(DISTINCT edge_worker, ',') FROM edge_job "
                  "WHERE queue IN ('default', 'batch')"),
            "edge-cpu");
  EXPECT_EQ(JobState("nobody_serves"), "queued");
}

}  // namespace
}  // namespace edgectl::e2e
