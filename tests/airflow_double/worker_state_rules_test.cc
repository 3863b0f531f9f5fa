// edge3's redefine_state table (spec §7.1) and the maintenance comment merge.
#include "tests/airflow_double/worker_state_rules.h"

#include "gtest/gtest.h"

namespace edgectl::airflow_double {
namespace {

TEST(RedefineStateTest, PendingMaintenanceRequestWinsUntilAcknowledged) {
  EXPECT_EQ(RedefineState("maintenance request", "running"), "maintenance request");
  EXPECT_EQ(RedefineState("maintenance request", "idle"), "maintenance request");
  EXPECT_EQ(RedefineState("maintenance request", "maintenance pending"), "maintenance pending");
  EXPECT_EQ(RedefineState("maintenance request", "maintenance mode"), "maintenance mode");
}

TEST(RedefineStateTest, RestartDuringMaintenanceGoesBackToMaintenance) {
  for (const char* db : {"offline maintenance", "maintenance mode", "maintenance pending"}) {
    EXPECT_EQ(RedefineState(db, "starting"), "maintenance request") << db;
  }
  EXPECT_EQ(RedefineState("offline", "starting"), "starting");
}

TEST(RedefineStateTest, MaintenanceExitAndShutdownRequest) {
  EXPECT_EQ(RedefineState("maintenance exit", "maintenance pending"), "running");
  EXPECT_EQ(RedefineState("maintenance exit", "maintenance mode"), "idle");
  EXPECT_EQ(RedefineState("maintenance exit", "running"), "running");
  EXPECT_EQ(RedefineState("shutdown request", "running"), "shutdown request");
  EXPECT_EQ(RedefineState("shutdown request", "terminating"), "shutdown request");
  for (const char* final_state : {"offline", "offline maintenance", "unknown"}) {
    EXPECT_EQ(RedefineState("shutdown request", final_state), final_state);
  }
  EXPECT_EQ(RedefineState("idle", "running"), "running");
}

TEST(MaintenanceCommentsTest, AppendReplaceKeepAndClear) {
  const std::optional<std::string> none;
  EXPECT_EQ(MergeMaintenanceComments("maintenance mode", std::string("a"), std::string("b")), "a\n\nb");
  EXPECT_EQ(MergeMaintenanceComments("maintenance mode", none, std::string("b")), "b");
  EXPECT_EQ(MergeMaintenanceComments("maintenance mode", std::string("a"), none), "a");
  EXPECT_EQ(MergeMaintenanceComments("maintenance mode", std::string("a"), std::string("a")), "a");
  EXPECT_EQ(MergeMaintenanceComments("maintenance request", std::string(1000, 'x'), std::string(30, 'y')),
            std::string(30, 'y'));
  // Characters, not bytes: 509 two-byte characters + 510 = 1019 < 1020 still appends.
  std::string accented;
  for (int i = 0; i < 509; ++i) accented += "\xc3\xa9";
  EXPECT_EQ(MergeMaintenanceComments("maintenance mode", accented, std::string(510, 'y')),
            accented + "\n\n" + std::string(510, 'y'));
  EXPECT_FALSE(MergeMaintenanceComments("running", std::string("a"), std::string("b")).has_value());
}

TEST(MaintenanceCommentsTest, RoutesBefore36AppendEveryReportedComment) {
  const std::optional<std::string> none;
  // The same text again is appended again, and nothing is cleared outside maintenance.
  EXPECT_EQ(AppendMaintenanceCommentsAlways(std::string("a"), std::string("a")), "a\n\na");
  EXPECT_EQ(AppendMaintenanceCommentsAlways(none, std::string("b")), "b");
  EXPECT_EQ(AppendMaintenanceCommentsAlways(std::string("a"), none), "a");
  EXPECT_EQ(AppendMaintenanceCommentsAlways(std::string(1000, 'x'), std::string(30, 'y')),
            std::string(30, 'y'));
}

}  // namespace
}  // namespace edgectl::airflow_double
