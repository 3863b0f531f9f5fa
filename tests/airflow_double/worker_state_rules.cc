#include "tests/airflow_double/worker_state_rules.h"

#include "common/edge_states.h"

namespace edgectl::airflow_double {
namespace {

namespace s = ::edgectl::states;

// Python's len(): code points, not bytes.
size_t CodePoints(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xc0) != 0x80;
  return n;
}

bool IsMaintenanceState(const std::string& state) {
  return state == s::kMaintenanceRequest || state == s::kMaintenancePending ||
         state == s::kMaintenanceMode || state == s::kOfflineMaintenance;
}

}  // namespace

std::string RedefineState(const std::string& db, const std::string& reported) {
  if (db == s::kMaintenanceRequest && reported != s::kMaintenancePending &&
      reported != s::kMaintenanceMode) {
    return s::kMaintenanceRequest;
  }
  if ((db == s::kOfflineMaintenance || db == s::kMaintenanceMode ||
       db == s::kMaintenancePending) &&
      reported == s::kStarting) {
    return s::kMaintenanceRequest;
  }
  if (db == s::kMaintenanceExit) {
    if (reported == s::kMaintenancePending) return s::kRunning;
    if (reported == s::kMaintenanceMode) return s::kIdle;
  }
  if (db == s::kShutdownRequest && reported != s::kOfflineMaintenance &&
      reported != s::kOffline && reported != s::kUnknown) {
    return s::kShutdownRequest;
  }
  return reported;
}

std::optional<std::string> MergeMaintenanceComments(const std::string& new_state,
                                                    const std::optional<std::string>& stored,
                                                    const std::optional<std::string>& reported) {
  if (!IsMaintenanceState(new_state)) return std::nullopt;
  if (!reported.has_value() || reported->empty() || reported == stored) return stored;
  if (stored.has_value() && !stored->empty() &&
      CodePoints(*stored) + CodePoints(*reported) < 1020) {
    return *stored + "\n\n" + *reported;
  }
  return reported;
}

std::optional<std::string> AppendMaintenanceCommentsAlways(
    const std::optional<std::string>& stored, const std::optional<std::string>& reported) {
  if (!reported.has_value() || reported->empty()) return stored;
  if (stored.has_value() && !stored->empty() &&
      CodePoints(*stored) + CodePoints(*reported) < 1020) {
    return *stored + "\n\n" + *reported;
  }
  return reported;
}

}  // namespace edgectl::airflow_double
