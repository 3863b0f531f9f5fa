#include "worker/local_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "spdlog/spdlog.h"

namespace edgectl::worker {
namespace {

std::string Absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return path;
  return absl::StrCat(cwd, "/", path);
}

}  // namespace

LocalPaths ResolveLocalPaths(const std::optional<std::string>& pid_flag,
                             const std::string& airflow_home) {
  LocalPaths paths;
  const std::string base = absl::StrCat(airflow_home, "/airflow-edge-worker");
  paths.pid_file = pid_flag.has_value() ? Absolute(*pid_flag) : base + ".pid";
  paths.status_file = base + ".out";
  paths.marker_file = base + ".in";
  return paths;
}

namespace {

// The fields of /proc/<pid>/stat after "(comm)": [0] is the state, [19] the start time.
// nullopt when the file cannot be read or parsed.
std::optional<std::vector<std::string>> ProcStatFields(pid_t pid) {
  absl::StatusOr<std::string> stat = ReadWholeFile(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.ok()) return std::nullopt;
  const size_t end_of_name = stat->rfind(')');
  if (end_of_name == std::string::npos || end_of_name + 2 >= stat->size()) return std::nullopt;
  return std::vector<std::string>(absl::StrSplit(stat->substr(end_of_name + 2), ' '));
}

}  // namespace

bool ProcessExists(pid_t pid) {
  if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM)) return false;
  // A zombie (exited, not yet reaped by its parent) is not a running worker.
  const std::optional<std::vector<std::string>> fields = ProcStatFields(pid);
  return !fields.has_value() || (*fields)[0] != "Z";
}

uint64_t ProcessStartTicks(pid_t pid) {
  if (pid <= 0) return 0;
  const std::optional<std::vector<std::string>> fields = ProcStatFields(pid);
  if (!fields.has_value() || fields->size() < 20 || (*fields)[0] == "Z") return 0;
  uint64_t ticks = 0;
  return absl::SimpleAtoi((*fields)[19], &ticks) ? ticks : 0;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::optional<pid_t> ReadPidFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return std::nullopt;
  int pid = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &pid) || pid <= 0) return std::nullopt;
  return pid;
}

absl::Status WriteFully(int fd, std::string_view data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot open ", dir, ": ", strerror(errno)));
  const int rc = fsync(fd);
  close(fd);
  if (rc != 0) return absl::UnavailableError(absl::StrCat("cannot sync ", dir, ": ", strerror(errno)));
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& content,
                                 mode_t mode) {
  const std::string temp = absl::StrCat(path, ".tmp.", getpid());
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot create ", temp, ": ", strerror(errno)));
  }
  absl::Status written = WriteFully(fd, content, temp);
  if (written.ok() && fsync(fd) != 0) {
    written = absl::UnavailableError(absl::StrCat("cannot sync ", temp, ": ", strerror(errno)));
  }
  close(fd);
  if (!written.ok()) {
    std::remove(temp.c_str());
    return written;
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot rename ", temp, " to ", path, ": ",
                                               strerror(errno)));
  }
  const size_t slash = path.rfind('/');
  return SyncDirectory(slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash));
}

int RemoveStaleTempFiles(const std::string& dir) {
  DIR* listing = opendir(dir.c_str());
  if (listing == nullptr) return 0;
  int removed = 0;
  while (dirent* entry = readdir(listing)) {
    const std::string name = entry->d_name;
    const size_t at = name.rfind(".tmp.");
    pid_t pid = 0;
    if (at == std::string::npos || at == 0 || !absl::SimpleAtoi(name.substr(at + 5), &pid) ||
        pid <= 0 || ProcessExists(pid)) {
      continue;
    }
    if (unlink(absl::StrCat(dir, "/", name).c_str()) == 0) ++removed;
  }
  closedir(listing);
  return removed;
}

absl::Status WritePidFile(const std::string& path) {
  if (access(path.c_str(), F_OK) == 0) {
    spdlog::info("An existing PID file has been found: {}.", path);
    std::optional<pid_t> stored = ReadPidFile(path);
    if (stored.has_value() && *stored == getpid()) {
      return absl::FailedPreconditionError("A PID file has already been written");
    }
    if (stored.has_value() && ProcessExists(*stored)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "The PID file ", path,
          " contains the PID of another running process. Configuration issue: edge worker "
          "instance must use different PID file paths!"));
    }
    spdlog::warn("PID file is orphaned. Cleaning up.");
    std::remove(path.c_str());
  }
  spdlog::debug("PID file written to {}.", path);
  return WriteFileAtomically(path, absl::StrCat(getpid(), "\n"), 0600);
}

std::string StatusToJson(const WorkerStatusFile& status, int indent) {
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& [dag_id, task_id, run_id, try_number, map_index] : status.jobs) {
    jobs.push_back({dag_id, task_id, run_id, try_number, map_index});
  }
  nlohmann::ordered_json json;
  json["job_count"] = status.job_count;
  json["jobs"] = jobs;
  json["state"] = status.state;
  json["maintenance"] = status.maintenance;
  json["maintenance_comments"] =
      status.maintenance_comments ? nlohmann::json(*status.maintenance_comments) : nullptr;
  json["drain"] = status.drain;
  return json.dump(indent);
}

absl::StatusOr<WorkerStatusFile> StatusFromJson(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return absl::DataLossError("status file is not a JSON object");
  WorkerStatusFile status;
  if (!json.value("job_count", nlohmann::json()).is_number_integer() ||
      !json.value("state", nlohmann::json()).is_string()) {
    return absl::DataLossError("status file lacks job_count or state");
  }
  status.job_count = json["job_count"].get<int>();
  if (json.contains("jobs") && json["jobs"].is_array()) {
    for (const auto& job : json["jobs"]) {
      if (!job.is_array() || job.size() != 5 || !job[0].is_string() || !job[1].is_string() ||
          !job[2].is_string() || !job[3].is_number_integer() || !job[4].is_number_integer()) {
        return absl::DataLossError("status file has a malformed jobs entry");
      }
      status.jobs.emplace_back(job[0].get<std::string>(), job[1].get<std::string>(),
                               job[2].get<std::string>(), job[3].get<int>(), job[4].get<int>());
    }
  }
  status.state = json.value("state", "");
  status.maintenance = json.contains("maintenance") && json["maintenance"].is_boolean() && json["maintenance"].get<bool>();
  if (json.contains("maintenance_comments") && json["maintenance_comments"].is_string()) {
    status.maintenance_comments = json["maintenance_comments"].get<std::string>();
  }
  status.drain = json.contains("drain") && json["drain"].is_boolean() && json["drain"].get<bool>();
  return status;
}

std::string MarkerToJson(const MaintenanceMarker& marker) {
  nlohmann::ordered_json json;
  json["maintenance"] = marker.on ? "on" : "off";
  json["comments"] = marker.comments ? nlohmann::json(*marker.comments) : nullptr;
  return json.dump();
}

absl::StatusOr<MaintenanceMarker> MarkerFromJson(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("maintenance") || !json["maintenance"].is_string()) {
    return absl::InvalidArgumentError(
        "maintenance marker is not {\"maintenance\": \"on\"|\"off\", \"comments\": ...}");
  }
  MaintenanceMarker marker;
  marker.on = json["maintenance"].get<std::string>() == "on";
  if (json.contains("comments") && json["comments"].is_string()) {
    marker.comments = json["comments"].get<std::string>();
  }
  return marker;
}

}  // namespace edgectl::worker
