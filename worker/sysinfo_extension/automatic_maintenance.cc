#include "worker/sysinfo_extension/automatic_maintenance.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace edgectl::worker {
namespace {

constexpr int kWarning = 30;
constexpr int kError = 40;
constexpr char kAutomaticMarker[] = "] - Automatic maintenance mode entered due to status ";

}  // namespace

absl::Status AutomaticMaintenanceOptions::Validate() const {
  if (on != "off" && on != "warning" && on != "error") {
    return absl::InvalidArgumentError(absl::StrCat(
        "[edge] automatic_maintenance_on must be Off, Warning or Error, got '", on, "'"));
  }
  if (exit != "off" && exit != "info" && exit != "warning") {
    return absl::InvalidArgumentError(absl::StrCat(
        "[edge] automatic_maintenance_exit must be Off, Info or Warning, got '", exit, "'"));
  }
  return absl::OkStatus();
}

std::string LogLevelName(int level) {
  switch (level) {
    case 0: return "NOTSET";
    case 10: return "DEBUG";
    case 20: return "INFO";
    case 30: return "WARNING";
    case 40: return "ERROR";
    case 50: return "CRITICAL";
    default: return absl::StrCat("Level ", level);
  }
}

AutomaticMaintenanceChange DecideAutomaticMaintenance(
    const AutomaticMaintenanceOptions& options, bool in_maintenance,
    const std::optional<std::string>& comments, int status, absl::Time now, absl::TimeZone zone) {
  AutomaticMaintenanceChange change;
  if (!in_maintenance && ((status >= kWarning && options.on == "warning") ||
                          (status >= kError && options.on == "error"))) {
    change.enter = true;
    change.comment = absl::StrCat("[", absl::FormatTime("%Y-%m-%d %H:%M", now, zone),
                                  "] - Automatic maintenance mode entered due to status ",
                                  LogLevelName(status), " in sysinfo.");
  } else if (in_maintenance && comments.has_value() &&
             absl::StrContains(*comments, kAutomaticMarker) &&
             ((status < kWarning && options.exit == "info") ||
              (status < kError && options.exit == "warning"))) {
    change.exit = true;
  }
  return change;
}

}  // namespace edgectl::worker
