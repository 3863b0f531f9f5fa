// File: controlplane/admin/admin_transitions.h
//
// Which state an admin command may act on, and what it turns it into. This is edge3's model
// (models/edge_worker.py: request_maintenance, exit_maintenance, change_maintenance_comment,
// request_shutdown, remove_worker, add/remove_worker_queues, set_worker_concurrency), plus
// valid-transition checks edge3 lacks: edge3 lets request/exit maintenance overwrite any state, so
// it can mark an offline worker as "maintenance exit" or cancel a pending shutdown; edgectl refuses
// those (docs/ARCHITECTURE.md, "Admin commands", lists each deviation).
// Pure functions of (action, current state): no database, so every cell is unit-tested.
#ifndef EDGECTL_CONTROLPLANE_ADMIN_ADMIN_TRANSITIONS_H_
#define EDGECTL_CONTROLPLANE_ADMIN_ADMIN_TRANSITIONS_H_

#include <string>
#include <string_view>
#include <vector>

namespace edgectl::admin {

enum class AdminAction {
  kRequestMaintenance,
  kExitMaintenance,
  kUpdateMaintenanceComment,
  kRequestShutdown,
  kRemove,
  kAddQueues,
  kRemoveQueues,
  kSetConcurrency,
};

struct AdminDecision {
  enum class Kind {
    kApply,   // perform the change; new_state set when the state changes
    kNoOp,    // accepted, nothing to change (shutdown of a worker that is not running)
    kRefuse,  // precondition not met; message says why and what is allowed
  };
  Kind kind = Kind::kRefuse;
  std::string new_state;  // empty: state unchanged
  std::string message;    // for kRefuse and kNoOp
};

// The states in which `action` is accepted (kNoOp states included), in edge3's enum order.
std::vector<std::string> AllowedStates(AdminAction action);

AdminDecision Decide(AdminAction action, const std::string& worker_name,
                     const std::string& current_state);

}  // namespace edgectl::admin

#endif  // EDGECTL_CONTROLPLANE_ADMIN_ADMIN_TRANSITIONS_H_
