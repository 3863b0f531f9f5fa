#include "controlplane/admin/admin_transitions.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/edge_states.h"

namespace edgectl::admin {
namespace {

namespace st = ::edgectl::states;

bool IsOneOf(std::string_view state, const std::vector<std::string>& states) {
  return std::find(states.begin(), states.end(), state) != states.end();
}

std::vector<std::string> OnlineStates() {
  std::vector<std::string> out;
  for (std::string_view s : st::kAllWorkerStates) {
    if (!st::IsOfflineState(s)) out.emplace_back(s);
  }
  return out;
}

std::string AllowedSuffix(AdminAction action) {
  return absl::StrCat(" Allowed in states: ", absl::StrJoin(AllowedStates(action), ", "), ".");
}

// edge3's own refusal texts (models/edge_worker.py), extended with what is allowed.
std::string RefusalText(AdminAction action, const std::string& name, const std::string& state) {
  switch (action) {
    case AdminAction::kRemove:
      return absl::StrCat("Cannot remove edge worker ", name, " as it is in ", state, " state!");
    case AdminAction::kUpdateMaintenanceComment:
      return absl::StrCat("Cannot change maintenance comment as ", name,
                          " is not in maintenance! It is in ", state, " state.");
    case AdminAction::kAddQueues:
      return absl::StrCat("Cannot add queues to edge worker ", name, " as it is in ", state,
                          " state!");
    case AdminAction::kRemoveQueues:
      return absl::StrCat("Cannot remove queues from edge worker ", name, " as it is in ", state,
                          " state!");
    case AdminAction::kSetConcurrency:
      return absl::StrCat("Cannot set concurrency of edge worker ", name, " as it is in ", state,
                          " state!");
    case AdminAction::kRequestMaintenance:
      return absl::StrCat("Cannot request maintenance of edge worker ", name, " as it is in ",
                          state, " state!");
    case AdminAction::kExitMaintenance:
      return absl::StrCat("Cannot exit maintenance of edge worker ", name, " as it is in ", state,
                          " state!");
    case AdminAction::kRequestShutdown:
      break;
  }
  return absl::StrCat("Cannot act on edge worker ", name, " in ", state, " state!");
}

// Extra advice for the refusals edgectl adds on top of edge3.
std::string Advice(AdminAction action, const std::string& state) {
  if (action == AdminAction::kRequestMaintenance) {
    if (state == st::kMaintenanceRequest || state == st::kMaintenancePending ||
        state == st::kMaintenanceMode || state == st::kOfflineMaintenance) {
      return " It is already in maintenance; use remote-edge-worker-update-maintenance-comment "
             "to change the comment.";
    }
    if (state == st::kShutdownRequest || state == st::kTerminating) {
      return " It is shutting down.";
    }
    return " It is not running; the request would only take effect when it restarts.";
  }
  if (action == AdminAction::kExitMaintenance) return " It is not in maintenance.";
  return "";
}

}  // namespace

std::vector<std::string> AllowedStates(AdminAction action) {
  switch (action) {
    case AdminAction::kRequestMaintenance:
      return {st::kStarting, st::kRunning, st::kIdle, st::kMaintenanceExit};
    case AdminAction::kExitMaintenance:
      return {st::kMaintenanceRequest, st::kMaintenancePending, st::kMaintenanceMode,
              st::kOfflineMaintenance};
    case AdminAction::kUpdateMaintenanceComment:
      return {st::kMaintenanceRequest, st::kMaintenancePending, st::kMaintenanceMode,
              st::kOfflineMaintenance};
    case AdminAction::kRemove:
      return {st::kOffline, st::kUnknown, st::kOfflineMaintenance};
    case AdminAction::kRequestShutdown: {
      std::vector<std::string> all(st::kAllWorkerStates.begin(), st::kAllWorkerStates.end());
      return all;
    }
    case AdminAction::kAddQueues:
    case AdminAction::kRemoveQueues:
    case AdminAction::kSetConcurrency:
      return OnlineStates();
  }
  return {};
}

AdminDecision Decide(AdminAction action, const std::string& worker_name,
                     const std::string& current_state) {
  AdminDecision decision;
  if (action == AdminAction::kRequestShutdown && st::IsOfflineState(current_state)) {
    decision.kind = AdminDecision::Kind::kNoOp;
    decision.message = absl::StrCat("Edge Worker host ", worker_name, " is in ", current_state,
                                    " state: nothing to shut down.");
    return decision;
  }
  if (!IsOneOf(current_state, AllowedStates(action))) {
    decision.message = absl::StrCat(RefusalText(action, worker_name, current_state),
                                    Advice(action, current_state), AllowedSuffix(action));
    return decision;
  }
  decision.kind = AdminDecision::Kind::kApply;
  switch (action) {
    case AdminAction::kRequestMaintenance:
      decision.new_state = st::kMaintenanceRequest;
      break;
    case AdminAction::kExitMaintenance:
      // A worker that stopped while in maintenance is simply offline once it leaves maintenance;
      // "maintenance exit" is a request only a running worker can acknowledge.
      decision.new_state =
          current_state == st::kOfflineMaintenance ? st::kOffline : st::kMaintenanceExit;
      break;
    case AdminAction::kRequestShutdown:
      decision.new_state = st::kShutdownRequest;
      break;
    default:
      break;
  }
  return decision;
}

}  // namespace edgectl::admin
