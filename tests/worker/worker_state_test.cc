// edge3's worker-side state rules: the reported-state table (spec §7.2) and the reactions to a
// heartbeat reply (spec §3.3).
#include "worker/worker_state.h"

#include "gtest/gtest.h"

namespace edgectl::worker {
namespace {

struct Row {
  bool jobs, drain, maintenance;
  const char* reported;
};

TEST(WorkerStateTest, ReportedStateFollowsEdge3Table) {
  const Row table[] = {
      {true, true, false, "terminating"},     {true, true, true, "terminating"},
      {true, false, true, "maintenance pending"}, {true, false, false, "running"},
      {false, true, true, "offline maintenance"}, {false, true, false, "offline"},
      {false, false, true, "maintenance mode"},   {false, false, false, "idle"},
  };
  for (const Row& row : table) {
    EXPECT_EQ(ReportedWorkerState(row.jobs, row.drain, row.maintenance), row.reported)
        << row.jobs << row.drain << row.maintenance;
  }
}

TEST(WorkerStateTest, RegistersAsStartingOrMaintenanceMode) {
  WorkerState state(8, std::nullopt);
  EXPECT_EQ(state.RegistrationState(), "starting");
  state.SetMaintenance(true, "c");
  EXPECT_EQ(state.RegistrationState(), "maintenance mode");
}

TEST(WorkerStateTest, MaintenanceRequestTurnsMaintenanceOnAndKeepsServerComments) {
  WorkerState state(8, std::nullopt);
  ServerView view{"maintenance request", std::nullopt, "admin said so", std::nullopt};
  ServerViewReaction r = state.ApplyServerView(view, "idle");
  EXPECT_TRUE(r.maintenance_entered);
  EXPECT_TRUE(r.state_differs);
  EXPECT_TRUE(state.maintenance());
  EXPECT_FALSE(state.AcceptsJobs());
  EXPECT_EQ(state.maintenance_comments(), "admin said so");
  EXPECT_EQ(state.Reported(true), "maintenance pending");
  EXPECT_EQ(state.Reported(false), "maintenance mode");
}

TEST(WorkerStateTest, IdleOrRunningWhileInMaintenanceTurnsItOffAndClearsComments) {
  for (const char* server_state : {"idle", "running"}) {
    WorkerState state(8, std::nullopt);
    state.SetMaintenance(true, "local");
    ServerViewReaction r =
        state.ApplyServerView({server_state, std::nullopt, "stale", std::nullopt}, "maintenance mode");
    EXPECT_TRUE(r.maintenance_exited) << server_state;
    EXPECT_FALSE(state.maintenance());
    EXPECT_EQ(state.maintenance_comments(), std::nullopt);
  }
}

TEST(WorkerStateTest, OtherStatesLeaveMaintenanceAlone) {
  WorkerState state(8, std::nullopt);
  state.SetMaintenance(true, "local");
  ServerViewReaction r = state.ApplyServerView(
      {"maintenance exit", std::nullopt, std::nullopt, std::nullopt}, "maintenance mode");
  EXPECT_FALSE(r.maintenance_exited);
  EXPECT_TRUE(state.maintenance());
}

TEST(WorkerStateTest, ShutdownRequestStartsDrainOnce) {
  WorkerState state(8, std::nullopt);
  ServerViewReaction first =
      state.ApplyServerView({"shutdown request", std::nullopt, std::nullopt, std::nullopt}, "idle");
  EXPECT_TRUE(first.shutdown_requested);
  EXPECT_TRUE(state.drain());
  EXPECT_EQ(state.Reported(true), "terminating");
  ServerViewReaction second = state.ApplyServerView(
      {"shutdown request", std::nullopt, std::nullopt, std::nullopt}, "terminating");
  EXPECT_FALSE(second.shutdown_requested);
  EXPECT_FALSE(state.StartDrain());
}

TEST(WorkerStateTest, AdoptsCentralConcurrencyAndQueues) {
  WorkerState state(8, std::vector<std::string>{"a"});
  ServerViewReaction r = state.ApplyServerView(
      {"idle", std::vector<std::string>{"a", "b"}, std::nullopt, 4}, "idle");
  EXPECT_EQ(r.previous_concurrency, 8);
  EXPECT_EQ(state.concurrency(), 4);
  EXPECT_EQ(state.queues(), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(r.state_differs);
  // Absent concurrency keeps the local one; absent queues mean all queues.
  r = state.ApplyServerView({"idle", std::nullopt, std::nullopt, std::nullopt}, "idle");
  EXPECT_FALSE(r.previous_concurrency.has_value());
  EXPECT_EQ(state.concurrency(), 4);
  EXPECT_FALSE(state.queues().has_value());
}

TEST(WorkerStateTest, LocalMaintenanceOffKeepsCommentsUntilTheServerClearsThem) {
  WorkerState state(8, std::nullopt);
  state.SetMaintenance(true, "why");
  state.SetMaintenance(false, std::nullopt);
  EXPECT_FALSE(state.maintenance());
  EXPECT_EQ(state.Reported(false), "idle");
}

}  // namespace
}  // namespace edgectl::worker
