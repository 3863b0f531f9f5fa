// File: worker/sysinfo_extension/automatic_maintenance.h
//
// edge3's automatic maintenance (3.6, EdgeWorker._adjust_maintenance_mode_based_on_sysinfo),
// decided from the sysinfo `status` (a Python logging level) after each evaluation:
//   enter  when not in maintenance and status >= WARNING (30) with
//          [edge] automatic_maintenance_on = warning, or >= ERROR (40) with = error; the comment is
//          "[YYYY-mm-dd HH:MM] - Automatic maintenance mode entered due to status <LEVEL> in
//          sysinfo." (local time, logging.getLevelName);
//   exit   only when in maintenance with a comment of that form (so maintenance an operator asked
//          for is never lifted) and status < WARNING with [edge] automatic_maintenance_exit = info,
//          or < ERROR with = warning.
// Pure: no I/O, no clock.
#ifndef EDGECTL_WORKER_SYSINFO_EXTENSION_AUTOMATIC_MAINTENANCE_H_
#define EDGECTL_WORKER_SYSINFO_EXTENSION_AUTOMATIC_MAINTENANCE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace edgectl::worker {

struct AutomaticMaintenanceOptions {
  std::string on = "off";    // off | warning | error (lower-cased, as edge3 does)
  std::string exit = "off";  // off | info | warning

  // Other values are refused with a message naming the option and its values.
  absl::Status Validate() const;
};

struct AutomaticMaintenanceChange {
  bool enter = false;
  bool exit = false;
  std::string comment;  // with enter
};

AutomaticMaintenanceChange DecideAutomaticMaintenance(
    const AutomaticMaintenanceOptions& options, bool in_maintenance,
    const std::optional<std::string>& comments, int status, absl::Time now, absl::TimeZone zone);

// Python's logging.getLevelName for a number: "WARNING", ..., else "Level 35".
std::string LogLevelName(int level);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_SYSINFO_EXTENSION_AUTOMATIC_MAINTENANCE_H_
