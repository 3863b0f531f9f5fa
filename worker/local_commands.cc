#include "worker/local_commands.h"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/edge_states.h"
#include "spdlog/spdlog.h"
#include "worker/local_files.h"

namespace edgectl::worker {
namespace {

constexpr absl::Duration kPollStep = absl::Milliseconds(100);

std::optional<pid_t> GetPid(const LocalPaths& paths) {
  std::optional<pid_t> pid = ReadPidFile(paths.pid_file);
  if (!pid.has_value()) spdlog::warn("Could not find PID of worker.");
  return pid;
}

std::string CurrentUser() {
  if (const passwd* pw = getpwuid(geteuid()); pw != nullptr) return pw->pw_name;
  const char* user = getenv("USER");
  return user != nullptr ? user : "unknown";
}

std::optional<absl::Time> ModificationTime(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return absl::TimeFromTimespec(st.st_mtim);
}

// edge3 accepts any status file written in the last second; a file written by an earlier command
// within that second must not count as the answer to this signal, so it must also be newer than
// before the signal.
bool FreshSince(const std::string& path, absl::Time since, std::optional<absl::Time> before) {
  std::optional<absl::Time> mtime = ModificationTime(path);
  return mtime.has_value() && *mtime >= since && (!before.has_value() || *mtime > *before);
}

// edge3: SIGUSR2, wait for a status file newer than (now - 1 s), read it. 0 or the exit code.
int SignalAndReadStatus(pid_t pid, const LocalPaths& paths, WorkerStatusFile& status) {
  const absl::Time min_time = absl::Now() - absl::Seconds(1);
  const std::optional<absl::Time> before = ModificationTime(paths.status_file);
  spdlog::debug("Sending SIGUSR2 to worker pid {}.", pid);
  kill(pid, SIGUSR2);
  while (ProcessExists(pid) && !FreshSince(paths.status_file, min_time, before)) {
    absl::SleepFor(kPollStep);
  }
  if (!ProcessExists(pid)) {
    spdlog::warn("PID of worker dis-appeared while checking for status.");
    return 2;
  }
  absl::StatusOr<std::string> text = ReadWholeFile(paths.status_file);
  absl::StatusOr<WorkerStatusFile> parsed =
      text.ok() ? StatusFromJson(*text) : absl::StatusOr<WorkerStatusFile>(text.status());
  if (!FreshSince(paths.status_file, min_time, before) || !parsed.ok()) {
    spdlog::warn("Could not read status of worker.");
    return 3;
  }
  status = *parsed;
  return 0;
}

void PrintStatus(const WorkerStatusFile& status) {
  // Python's json.dumps(indent=4) escapes non-ASCII; so does ensure_ascii here.
  nlohmann::json json = nlohmann::json::parse(StatusToJson(status));
  std::cout << json.dump(4, ' ', /*ensure_ascii=*/true) << std::endl;
}

bool ReReadStatus(pid_t pid, const LocalPaths& paths, absl::Duration poll, WorkerStatusFile& status) {
  absl::SleepFor(poll * 0.9);
  kill(pid, SIGUSR2);
  absl::SleepFor(poll * 0.1);
  absl::StatusOr<std::string> text = ReadWholeFile(paths.status_file);
  if (!text.ok()) return false;
  absl::StatusOr<WorkerStatusFile> parsed = StatusFromJson(*text);
  if (!parsed.ok()) return false;
  status = *parsed;
  return true;
}

}  // namespace

std::string MaintenanceComment(const std::string& user, absl::Time now, const std::string& text) {
  return absl::StrCat("[", absl::FormatTime("%Y-%m-%d %H:%M", now, absl::LocalTimeZone()), "] - ",
                      user, " put node into maintenance mode via cli\nComment: ", text);
}

int StopWorker(const LocalCommandOptions& options) {
  const LocalPaths paths = ResolveLocalPaths(options.pid, options.airflow_home);
  std::optional<pid_t> pid = GetPid(paths);
  if (!pid.has_value()) return 1;
  if (!ProcessExists(*pid)) {
    spdlog::warn("The worker process {} named in {} is not running.", *pid, paths.pid_file);
    return 2;
  }
  spdlog::info("Sending SIGINT to worker pid {}.", *pid);
  kill(*pid, SIGINT);
  if (options.wait) {
    spdlog::info("Waiting for worker to stop...");
    while (ProcessExists(*pid)) absl::SleepFor(kPollStep);
    spdlog::info("Worker has been shut down.");
  }
  return 0;
}

int PrintWorkerStatus(const LocalCommandOptions& options) {
  const LocalPaths paths = ResolveLocalPaths(options.pid, options.airflow_home);
  std::optional<pid_t> pid = GetPid(paths);
  if (!pid.has_value()) return 1;
  WorkerStatusFile status;
  if (int code = SignalAndReadStatus(*pid, paths, status); code != 0) return code;
  PrintStatus(status);
  return 0;
}

int SetLocalMaintenance(const LocalCommandOptions& options, bool on,
                        const std::optional<std::string>& comments) {
  if (on && (!comments.has_value() || comments->empty())) {
    spdlog::error("Comments are required when setting maintenance mode.");
    return 4;
  }
  const LocalPaths paths = ResolveLocalPaths(options.pid, options.airflow_home);
  std::optional<pid_t> pid = GetPid(paths);
  if (!pid.has_value()) return 1;
  MaintenanceMarker marker;
  marker.on = on;
  if (on) marker.comments = MaintenanceComment(CurrentUser(), absl::Now(), *comments);
  spdlog::debug("Writing maintenance marker file to {}.", paths.marker_file);
  if (absl::Status s = WriteFileAtomically(paths.marker_file, MarkerToJson(marker), 0600); !s.ok()) {
    spdlog::error("{}", std::string(s.message()));
    return 1;
  }
  WorkerStatusFile status;
  if (int code = SignalAndReadStatus(*pid, paths, status); code != 0) return code;
  if (options.wait && on && status.state != states::kMaintenanceMode) {
    spdlog::info("Waiting for worker to be drained...");
    while (ProcessExists(*pid)) {
      ReReadStatus(*pid, paths, options.maintenance_poll, status);
      if (status.state == states::kMaintenanceMode) {
        spdlog::info("Worker was drained successfully!");
        break;
      }
      if (status.state != states::kMaintenanceRequest &&
          status.state != states::kMaintenancePending) {
        spdlog::info("Worker maintenance was exited by someone else!");
        break;
      }
    }
  }
  if (options.wait && !on && status.state == states::kMaintenanceMode) {
    spdlog::info("Waiting for worker to exit maintenance...");
    while ((status.state == states::kMaintenanceMode ||
            status.state == states::kMaintenanceExit) &&
           ProcessExists(*pid)) {
      ReReadStatus(*pid, paths, options.maintenance_poll, status);
    }
  }
  PrintStatus(status);
  return 0;
}

}  // namespace edgectl::worker
