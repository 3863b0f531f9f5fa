// End to end against each edge3 version of edgectl's compatibility window: the Airflow double
// started as that version (tests/airflow_double/edge3_versions.h) on a database at its schema
// revision. The main job path (register, a job dispatched, run, its log in edge_logs, its final
// state) works, and a worker's maintenance comment is stored once however many heartbeats echo
// it, also when an admin changed it meanwhile; with the comment rule of the routes before
// edge3 3.6 (every reported comment appended) too. A sidecar refuses a database outside the
// window, naming the revision it found and the ones it serves.
#include <pqxx/pqxx>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"

namespace edgectl::e2e {
namespace {

using ::testing::HasSubstr;

struct VersionCase {
  std::string edge3_version;     // the double's --edge3_version
  std::string provider_version;  // what double and worker claim
  std::string revision;          // the database's schema revision
  std::string comment_merge;     // "" = the version's rule
  std::string label;
};

void PrintTo(const VersionCase& c, std::ostream* os) { *os << c.label; }

int Occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class CompatWindowTest : public EndToEndTest,
                         public ::testing::WithParamInterface<VersionCase> {
 protected:
  testing::EdgeDatabaseOptions DatabaseOptions() const override {
    testing::EdgeDatabaseOptions db;
    db.revision = GetParam().revision;
    db.priority_weight = false;  // as Airflow's migrations leave it
    return db;
  }
  void AdjustStack(EdgeStackOptions& options) const override {
    options.edge3_version = GetParam().edge3_version;
    options.edge_provider_version = GetParam().provider_version;
    options.comment_merge = GetParam().comment_merge;
  }

  std::string Comment(const std::string& worker) const {
    return Query("SELECT COALESCE(maintenance_comment, '<null>') FROM edge_worker "
                 "WHERE worker_name = '" + worker + "'");
  }

  // Awaits `n` more heartbeats of `worker` (each moves edge_worker.last_update).
  bool AwaitHeartbeats(const std::string& worker, int n) const {
    const std::string sql =
        "SELECT last_update FROM edge_worker WHERE worker_name = '" + worker + "'";
    std::string last = Query(sql);
    int seen = 0;
    return Eventually(
        [&] {
          const std::string now = Query(sql);
          if (now != last) {
            ++seen;
            last = now;
          }
          return seen >= n;
        },
        absl::Seconds(n * HeartbeatIntervalSec() + 20));
  }
};

TEST_P(CompatWindowTest, JobRunsLogsArriveAndTheCommentIsStoredOnce) {
  const std::string name = "edge-compat";
  auto worker = stack_->StartWorker(name, {"-c", "2"});
  ASSERT_TRUE(worker.ok()) << worker.status();
  EXPECT_EQ(Query("SELECT version_num FROM alembic_version_edge3"), GetParam().revision);

  TaskSpec spec;
  spec.task_id = "compat";
  spec.standin = {{"lines", 5}};
  QueuedJob job = Enqueue(spec);
  ASSERT_TRUE(AwaitJobState("compat", "success"));
  EXPECT_EQ(Query("SELECT edge_worker FROM edge_job WHERE task_id = 'compat'"), name);
  const std::string file = LogFile(job);
  ASSERT_THAT(file, HasSubstr("line 4 of"));
  EXPECT_EQ(StoredLog("compat"), file);

  // Maintenance with a comment; then many heartbeats, each echoing the comment back.
  CommandResult on = Edgectl({"maintenance", "on", "-c", "swap disk 7"}, name);
  ASSERT_EQ(on.exit_code, 0) << on.combined();
  ASSERT_TRUE(AwaitWorkerState(name, "maintenance mode", 20));
  ASSERT_TRUE(AwaitHeartbeats(name, 4));
  const std::string first = Comment(name);
  EXPECT_EQ(Occurrences(first, "swap disk 7"), 1) << first;
  ASSERT_TRUE(AwaitHeartbeats(name, 5));
  EXPECT_EQ(Comment(name), first);

  // An admin rewrites the comment; the worker's next heartbeats still carry the old text.
  CommandResult update =
      Edgectl({"remote-edge-worker-update-maintenance-comment", "-H", name, "-c", "rack B"});
  ASSERT_EQ(update.exit_code, 0) << update.combined();
  ASSERT_TRUE(AwaitHeartbeats(name, 5));
  EXPECT_EQ(Comment(name), "rack B");
}

INSTANTIATE_TEST_SUITE_P(
    Edge3Versions, CompatWindowTest,
    ::testing::Values(VersionCase{"4.3", "4.3.2", "c6b3c3d093fd", "", "edge3_4_3"},
                      VersionCase{"5.0", "5.0.0", "f2a4b6c8d0e1", "", "edge3_5_0"},
                      VersionCase{"5.2", "5.2.0", "cd96a0a0e458", "", "edge3_5_2"},
                      VersionCase{"4.3", "4.3.2", "c6b3c3d093fd", "always",
                                  "edge3_4_3_with_comment_rule_before_3_6"}),
    [](const ::testing::TestParamInfo<VersionCase>& info) { return info.param.label; });

class UnsupportedSchemaTest : public EndToEndTest {};

TEST_F(UnsupportedSchemaTest, SidecarRefusesToStartNamingFoundAndSupportedRevisions) {
  ASSERT_TRUE(stack_->KillControlPlane().ok());
  // edge3 3.4's head: before the window.
  {
    pqxx::connection conn(dsn_);
    pqxx::work tx(conn);
    tx.exec0("UPDATE alembic_version_edge3 SET version_num = 'a09c3ee8e1d3'");
    tx.commit();
  }
  absl::Status started = stack_->StartControlPlane();
  EXPECT_FALSE(started.ok());
  ASSERT_NE(stack_->controlplane(), nullptr);
  absl::StatusOr<int> exit = stack_->controlplane()->WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_NE(*exit, 0);
  const std::string output = stack_->controlplane()->Stdout() + stack_->controlplane()->Stderr();
  EXPECT_THAT(output, HasSubstr("a09c3ee8e1d3"));
  EXPECT_THAT(output, HasSubstr("3.4.x"));
  for (const char* supported : {"c6b3c3d093fd", "f2a4b6c8d0e1", "cd96a0a0e458"}) {
    EXPECT_THAT(output, HasSubstr(supported));
  }
  EXPECT_EQ(Query("SELECT count(*) FROM edge_worker"), "0");
}

}  // namespace
}  // namespace edgectl::e2e
