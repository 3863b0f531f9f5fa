// End to end, real processes: `edgectl list-jobs` and `edgectl logs --follow` against a running
// stack read what the worker and the sidecar put into edge_job and edge_logs.
#include <future>
#include <string>

#include <nlohmann/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"

namespace edgectl::e2e {
namespace {

using ::testing::HasSubstr;

TEST_F(EndToEndTest, LogsFollowPrintsTheWholeLogOfARunningJobAndEnds) {
  auto worker = stack_->StartWorker("edge-admin-1");
  ASSERT_TRUE(worker.ok()) << worker.status();
  TaskSpec spec;
  spec.task_id = "followed";
  spec.standin = {{"lines", 60}, {"line_interval", 0.05}};
  const QueuedJob job = Enqueue(spec);
  ASSERT_TRUE(AwaitJobState("followed", "running"));
  // Started while the task is still writing: only following gets the whole log.
  auto follow = std::async(std::launch::async, [&] {
    return Edgectl({"logs", "e2e_dag", "followed", spec.run_id, "--follow"});
  });
  CommandResult followed = follow.get();
  EXPECT_EQ(followed.exit_code, 0) << followed.err;
  EXPECT_EQ(JobState("followed"), "success");
  EXPECT_THAT(followed.out, HasSubstr("line 59 of e2e_dag.followed"));
  EXPECT_EQ(followed.out, StoredLog("followed"));
  EXPECT_EQ(followed.out, LogFile(job));

  // Without --follow: what is stored, at once; the try can be named.
  CommandResult once = Edgectl({"logs", "e2e_dag", "followed", spec.run_id, "--try", "1"});
  EXPECT_EQ(once.exit_code, 0) << once.err;
  EXPECT_EQ(once.out, followed.out);
  CommandResult unknown = Edgectl({"logs", "e2e_dag", "nothing", spec.run_id});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no job and no log of e2e_dag.nothing"));
}

TEST_F(EndToEndTest, ListJobsShowsWhereJobsAreAndFilters) {
  auto worker = stack_->StartWorker("edge-admin-2", {"-q", "default"});
  ASSERT_TRUE(worker.ok()) << worker.status();
  TaskSpec done;
  done.task_id = "done";
  done.standin = {{"lines", 1}};
  Enqueue(done);
  TaskSpec parked;
  parked.task_id = "parked";
  parked.queue = "nobody-serves-this";
  Enqueue(parked);
  ASSERT_TRUE(AwaitJobState("done", "success"));

  CommandResult all = Edgectl({"list-jobs", "-o", "json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  nlohmann::json jobs = nlohmann::json::parse(all.out);
  ASSERT_EQ(jobs.size(), 2u) << all.out;
  CommandResult mine = Edgectl({"list-jobs", "-o", "json", "-H", "edge-admin-2", "-s", "success"});
  ASSERT_EQ(mine.exit_code, 0) << mine.err;
  nlohmann::json success = nlohmann::json::parse(mine.out);
  ASSERT_EQ(success.size(), 1u) << mine.out;
  EXPECT_EQ(success[0]["task_id"], "done");
  EXPECT_EQ(success[0]["edge_worker"], "edge-admin-2");
  EXPECT_EQ(success[0]["queue"], "default");
  CommandResult waiting = Edgectl({"list-jobs", "-q", "nobody-serves-this", "-o", "plain"});
  ASSERT_EQ(waiting.exit_code, 0) << waiting.err;
  EXPECT_THAT(waiting.out, HasSubstr("parked"));
  EXPECT_THAT(waiting.out, HasSubstr("queued"));
  EXPECT_THAT(waiting.out, ::testing::Not(HasSubstr("done")));
  CommandResult table = Edgectl({"list-jobs", "--dag-id", "no-such-dag"});
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_THAT(table.out, HasSubstr("No data found"));
}

}  // namespace
}  // namespace edgectl::e2e
