// The worker journal: what is saved is there after a reopen (a restart), a torn last line is
// skipped, forgotten jobs and their files are gone, compaction keeps exactly the live records,
// sequence numbers only grow; and the task keeper records a task's exit code.
#include "worker/worker_journal.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "worker/task_keeper.h"

namespace edgectl::worker {
namespace {

std::string FreshDir() {
  static int n = 0;
  return absl::StrCat(getenv("TEST_TMPDIR"), "/journal-", getpid(), "-", ++n);
}

JobRecord Record(uint64_t id, const std::string& task) {
  JobRecord r;
  r.id = id;
  r.key.set_dag_id("dag");
  r.key.set_task_id(task);
  r.key.set_run_id("run");
  r.key.set_try_number(1);
  r.key.set_map_index(-1);
  r.key.set_task_instance_id("0190-uuid");
  r.log_file = "/logs/" + task + ".log";
  return r;
}

TEST(WorkerJournalTest, SavedRecordsSurviveAReopenWithEveryField) {
  const std::string dir = FreshDir();
  {
    auto journal = WorkerJournal::Open(dir);
    ASSERT_TRUE(journal.ok()) << journal.status();
    JobRecord r = Record((*journal)->NextJobId(), "t1");
    r.phase = JobPhase::kExited;
    r.pid = 4242;
    r.pid_start_ticks = 99;
    r.exit_code = 3;
    r.final_state = "failed";
    r.report_sequence = (*journal)->NextSequence();
    r.log_emitted = 17;
    r.log_last_time_us = 1700000000000123;
    r.log_pending.push_back({5, 12, 1700000000000100, std::nullopt});
    r.log_pending.push_back({17, 0, 1700000000000123, std::string("Error executing job:\n\xff")});
    ASSERT_TRUE((*journal)->Save(r).ok());
    ASSERT_TRUE((*journal)->RecordInstance({"abc", 123, 456}).ok());
  }
  struct stat st {};
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto journal = WorkerJournal::Open(dir);
  ASSERT_TRUE(journal.ok());
  ASSERT_EQ((*journal)->jobs().size(), 1u);
  const JobRecord& r = (*journal)->jobs().begin()->second;
  EXPECT_EQ(r.key.task_id(), "t1");
  EXPECT_EQ(r.key.task_instance_id(), "0190-uuid");
  EXPECT_EQ(r.phase, JobPhase::kExited);
  EXPECT_EQ(r.pid, 4242);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.final_state, "failed");
  EXPECT_EQ(r.log_emitted, 17u);
  ASSERT_EQ(r.log_pending.size(), 2u);
  EXPECT_EQ(r.log_pending[0].length, 12u);
  EXPECT_TRUE(r.log_pending[1].text.has_value());
  ASSERT_TRUE((*journal)->previous_instance().has_value());
  EXPECT_EQ((*journal)->previous_instance()->id, "abc");
  EXPECT_EQ((*journal)->previous_instance()->pid, 123);
  // Ids and sequences continue above what was journaled.
  EXPECT_GT((*journal)->NextJobId(), r.id);
  EXPECT_GT((*journal)->NextSequence(), r.report_sequence);
}

TEST(WorkerJournalTest, ATornLastLineIsSkippedAndTheRestStands) {
  const std::string dir = FreshDir();
  {
    auto journal = WorkerJournal::Open(dir);
    ASSERT_TRUE(journal.ok());
    ASSERT_TRUE((*journal)->Save(Record(1, "kept")).ok());
  }
  std::ofstream(dir + "/journal.jsonl", std::ios::app) << "{\"job\":{\"id\":2,\"key\":{\"dag";
  auto journal = WorkerJournal::Open(dir);
  ASSERT_TRUE(journal.ok());
  ASSERT_EQ((*journal)->jobs().size(), 1u);
  EXPECT_EQ((*journal)->jobs().at(1).key.task_id(), "kept");
}

TEST(WorkerJournalTest, ForgetRemovesTheJobAndItsFiles) {
  const std::string dir = FreshDir();
  auto journal = WorkerJournal::Open(dir);
  ASSERT_TRUE(journal.ok());
  ASSERT_TRUE((*journal)->Save(Record(7, "done")).ok());
  std::ofstream((*journal)->WorkloadPath(7)) << "{}";
  std::ofstream((*journal)->ExitPath(7)) << "0\n";
  ASSERT_TRUE((*journal)->Forget(7).ok());
  EXPECT_TRUE((*journal)->jobs().empty());
  struct stat st {};
  EXPECT_NE(stat((*journal)->WorkloadPath(7).c_str(), &st), 0);
  EXPECT_NE(stat((*journal)->ExitPath(7).c_str(), &st), 0);
  auto reopened = WorkerJournal::Open(dir);
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE((*reopened)->jobs().empty());
  EXPECT_GT((*reopened)->NextJobId(), 7u);
}

TEST(WorkerJournalTest, CompactionKeepsExactlyTheLiveRecords) {
  const std::string dir = FreshDir();
  auto journal = WorkerJournal::Open(dir, /*compact_at_bytes=*/64 << 10);
  ASSERT_TRUE(journal.ok());
  ASSERT_TRUE((*journal)->Save(Record(1, "long_lived")).ok());
  // Hundreds of updates of short-lived jobs: several times the compaction threshold.
  for (uint64_t id = 2; id < 300; ++id) {
    JobRecord r = Record(id, "short_" + std::to_string(id));
    ASSERT_TRUE((*journal)->Save(r).ok());
    r.phase = JobPhase::kExited;
    ASSERT_TRUE((*journal)->Save(r).ok());
    ASSERT_TRUE((*journal)->Forget(id).ok());
  }
  struct stat st {};
  ASSERT_EQ(stat((dir + "/journal.jsonl").c_str(), &st), 0);
  EXPECT_LT(st.st_size, 64 << 10);
  auto reopened = WorkerJournal::Open(dir);
  ASSERT_TRUE(reopened.ok());
  ASSERT_EQ((*reopened)->jobs().size(), 1u);
  EXPECT_EQ((*reopened)->jobs().at(1).key.task_id(), "long_lived");
}

TEST(WorkerJournalTest, JournalDirectoriesAreSafeForAnyWorkerName) {
  EXPECT_EQ(JournalDirFor("/home", "edge-1.example.com"), "/home/edgectl-worker/edge-1.example.com");
  EXPECT_EQ(JournalDirFor("/home", "../x/y"), "/home/edgectl-worker/..%2Fx%2Fy");
  EXPECT_EQ(JournalDirFor("/home", ".."), "/home/edgectl-worker/%2E.");
  EXPECT_EQ(JournalDirFor("/home", "."), "/home/edgectl-worker/%2E");
}

TEST(TaskKeeperTest, RecordsTheExitCodeAndForwardsSignals) {
  const std::string dir = FreshDir();
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  const std::string exit_file = dir + "/exit";
  pid_t keeper = fork();
  if (keeper == 0) _exit(RunTaskKeeper(exit_file, {"sh", "-c", "exit 3"}));
  int status = 0;
  ASSERT_EQ(waitpid(keeper, &status, 0), keeper);
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_EQ(ReadRecordedExitCode(exit_file), 3);

  const std::string second = dir + "/exit2";
  const std::string started = dir + "/started";
  keeper = fork();
  if (keeper == 0) {
    _exit(RunTaskKeeper(second, {"sh", "-c", "echo > " + started + "; exec sleep 30"}));
  }
  // The child becomes `sleep`; SIGTERM to the keeper reaches it, and the keeper records 128+15.
  struct stat st {};
  for (int i = 0; i < 1000 && stat(started.c_str(), &st) != 0; ++i) usleep(10000);
  ASSERT_EQ(stat(started.c_str(), &st), 0);
  kill(keeper, SIGTERM);
  ASSERT_EQ(waitpid(keeper, &status, 0), keeper);
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  EXPECT_EQ(ReadRecordedExitCode(second), 128 + SIGTERM);
  EXPECT_EQ(ReadRecordedExitCode(dir + "/missing"), std::nullopt);
}

}  // namespace
}  // namespace edgectl::worker
