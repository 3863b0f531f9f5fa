// File: common/edge_states.h
//
// edge3's state vocabularies, spelled exactly as Airflow stores them in edge_worker.state and
// edge_job.state (worker states contain spaces). Shared by worker, control plane and admin CLI.
#ifndef EDGECTL_COMMON_EDGE_STATES_H_
#define EDGECTL_COMMON_EDGE_STATES_H_

#include <array>
#include <string_view>

namespace edgectl::states {

// EdgeWorkerState (models/edge_worker.py).
inline constexpr char kStarting[] = "starting";
inline constexpr char kRunning[] = "running";
inline constexpr char kIdle[] = "idle";
inline constexpr char kShutdownRequest[] = "shutdown request";
inline constexpr char kTerminating[] = "terminating";
inline constexpr char kOffline[] = "offline";
inline constexpr char kUnknown[] = "unknown";
inline constexpr char kMaintenanceRequest[] = "maintenance request";
inline constexpr char kMaintenancePending[] = "maintenance pending";
inline constexpr char kMaintenanceMode[] = "maintenance mode";
inline constexpr char kMaintenanceExit[] = "maintenance exit";
inline constexpr char kOfflineMaintenance[] = "offline maintenance";

inline constexpr std::array<std::string_view, 12> kAllWorkerStates = {
    kStarting, kRunning,          kIdle,           kShutdownRequest,
    kTerminating, kOffline,       kUnknown,        kMaintenanceRequest,
    kMaintenancePending, kMaintenanceMode, kMaintenanceExit, kOfflineMaintenance};

inline bool IsWorkerState(std::string_view s) {
  for (std::string_view state : kAllWorkerStates) {
    if (state == s) return true;
  }
  return false;
}

// States in which a worker is not running (edge3: may be removed; a new worker of the same name
// may register).
inline bool IsOfflineState(std::string_view s) {
  return s == kOffline || s == kUnknown || s == kOfflineMaintenance;
}

// TaskInstanceState values used in edge_job.state.
inline constexpr char kJobQueued[] = "queued";
inline constexpr char kJobRestarting[] = "restarting";
inline constexpr char kJobRunning[] = "running";
inline constexpr char kJobSuccess[] = "success";
inline constexpr char kJobFailed[] = "failed";

// Limits from edge3's schema and docs.
inline constexpr size_t kMaxWorkerNameLength = 64;   // edge_worker.worker_name VARCHAR(64)
inline constexpr size_t kMaxQueueNameLength = 256;   // edge3 docs: queue names <= 256 characters

}  // namespace edgectl::states

#endif  // EDGECTL_COMMON_EDGE_STATES_H_
