// Every admin action against every one of edge3's 12 worker states.
#include "controlplane/admin/admin_transitions.h"

#include <map>
#include <string>

#include "common/edge_states.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgectl::admin {
namespace {

namespace st = ::edgectl::states;
using Kind = AdminDecision::Kind;
using ::testing::HasSubstr;

// Expected outcome per state: the new state for kApply ("" = unchanged), "-" for kNoOp,
// "!" for kRefuse. States not listed are refused.
void ExpectTable(AdminAction action, const std::map<std::string, std::string>& accepted) {
  for (std::string_view state_view : st::kAllWorkerStates) {
    const std::string state(state_view);
    AdminDecision d = Decide(action, "w1", state);
    auto it = accepted.find(state);
    if (it == accepted.end()) {
      EXPECT_EQ(d.kind, Kind::kRefuse) << state;
      EXPECT_THAT(d.message, HasSubstr("w1")) << state;
      EXPECT_THAT(d.message, HasSubstr(state)) << "names the current state";
      EXPECT_THAT(d.message, HasSubstr("Allowed in states: ")) << "says what is allowed";
    } else if (it->second == "-") {
      EXPECT_EQ(d.kind, Kind::kNoOp) << state;
    } else {
      EXPECT_EQ(d.kind, Kind::kApply) << state;
      EXPECT_EQ(d.new_state, it->second) << state;
    }
  }
}

TEST(AdminTransitionsTest, RequestMaintenanceOnlyFromRunningStates) {
  ExpectTable(AdminAction::kRequestMaintenance, {{st::kStarting, st::kMaintenanceRequest},
                                                 {st::kRunning, st::kMaintenanceRequest},
                                                 {st::kIdle, st::kMaintenanceRequest},
                                                 {st::kMaintenanceExit, st::kMaintenanceRequest}});
}

TEST(AdminTransitionsTest, ExitMaintenanceOnlyFromMaintenance) {
  ExpectTable(AdminAction::kExitMaintenance,
              {{st::kMaintenanceRequest, st::kMaintenanceExit},
               {st::kMaintenancePending, st::kMaintenanceExit},
               {st::kMaintenanceMode, st::kMaintenanceExit},
               {st::kOfflineMaintenance, st::kOffline}});
}

TEST(AdminTransitionsTest, CommentOnlyInMaintenanceAsEdge3) {
  ExpectTable(AdminAction::kUpdateMaintenanceComment,
              {{st::kMaintenanceRequest, ""},
               {st::kMaintenancePending, ""},
               {st::kMaintenanceMode, ""},
               {st::kOfflineMaintenance, ""}});
  EXPECT_THAT(Decide(AdminAction::kUpdateMaintenanceComment, "w1", st::kIdle).message,
              HasSubstr("Cannot change maintenance comment as w1 is not in maintenance!"));
}

TEST(AdminTransitionsTest, ShutdownOfOfflineWorkerIsNoOp) {
  std::map<std::string, std::string> table;
  for (std::string_view s : st::kAllWorkerStates) {
    table[std::string(s)] = st::IsOfflineState(s) ? "-" : st::kShutdownRequest;
  }
  ExpectTable(AdminAction::kRequestShutdown, table);
}

TEST(AdminTransitionsTest, RemoveOnlyWhenNotRunningAsEdge3) {
  ExpectTable(AdminAction::kRemove, {{st::kOffline, ""}, {st::kUnknown, ""},
                                     {st::kOfflineMaintenance, ""}});
  EXPECT_THAT(Decide(AdminAction::kRemove, "w1", st::kRunning).message,
              HasSubstr("Cannot remove edge worker w1 as it is in running state!"));
}

TEST(AdminTransitionsTest, QueuesAndConcurrencyRefusedWhenOfflineAsEdge3) {
  for (AdminAction action :
       {AdminAction::kAddQueues, AdminAction::kRemoveQueues, AdminAction::kSetConcurrency}) {
    std::map<std::string, std::string> table;
    for (std::string_view s : st::kAllWorkerStates) {
      if (!st::IsOfflineState(s)) table[std::string(s)] = "";
    }
    ExpectTable(action, table);
  }
  EXPECT_THAT(Decide(AdminAction::kAddQueues, "w1", st::kUnknown).message,
              HasSubstr("Cannot add queues to edge worker w1 as it is in unknown state!"));
}

}  // namespace
}  // namespace edgectl::admin
