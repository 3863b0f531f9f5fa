// File: worker/local_files.h
//
// edge3's local files (cli/signalling.py, cli/dataclasses.py), so `stop`, `status`,
// `maintenance` and existing scripts find the worker the same way:
//   pid file       --pid (made absolute) or $AIRFLOW_HOME/airflow-edge-worker.pid: "<pid>\n"
//   status file    $AIRFLOW_HOME/airflow-edge-worker.out: WorkerStatus JSON
//   marker file    $AIRFLOW_HOME/airflow-edge-worker.in: MaintenanceMarker JSON
// and the file and process helpers the worker's other files (journal, task keeper, workloads)
// share: whole-file reads, durable atomic writes, process liveness from /proc.
#ifndef EDGECTL_WORKER_LOCAL_FILES_H_
#define EDGECTL_WORKER_LOCAL_FILES_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace edgectl::worker {

struct LocalPaths {
  std::string pid_file;
  std::string status_file;
  std::string marker_file;
};

// edge3's setup_locations("edge-worker", pid): the status file ignores --pid.
LocalPaths ResolveLocalPaths(const std::optional<std::string>& pid_flag,
                             const std::string& airflow_home);

// The pid in the file, nullopt when the file is missing or holds no pid.
std::optional<pid_t> ReadPidFile(const std::string& path);
// edge3's write_pid_to_pidfile: refuses (FAILED_PRECONDITION, edge3's message) when the file
// holds our pid or a live process's; removes a stale one ("PID file is orphaned. Cleaning up.").
absl::Status WritePidFile(const std::string& path);
bool ProcessExists(pid_t pid);
// Removes the `<name>.tmp.<pid>` files WriteFileAtomically left in `dir` when a process was
// killed mid-write (its pid no longer exists); returns how many. Files of live processes stay.
int RemoveStaleTempFiles(const std::string& dir);
// /proc/<pid>/stat starttime (clock ticks since boot): with the pid, it names one process even
// after the pid is reused. 0 when the process does not exist or has ended (a zombie).
uint64_t ProcessStartTicks(pid_t pid);

struct WorkerStatusFile {
  int job_count = 0;
  // [dag_id, task_id, run_id, try_number, map_index]
  std::vector<std::tuple<std::string, std::string, std::string, int, int>> jobs;
  std::string state;
  bool maintenance = false;
  std::optional<std::string> maintenance_comments;
  bool drain = false;
};
std::string StatusToJson(const WorkerStatusFile& status, int indent = -1);
absl::StatusOr<WorkerStatusFile> StatusFromJson(const std::string& text);
// Written to a temp file with `mode` (before the umask), fsync'ed, renamed, and the directory
// fsync'ed: a reader never sees half a file, and the file survives a crash of the machine.
absl::Status WriteFileAtomically(const std::string& path, const std::string& content,
                                 mode_t mode = 0666);
// Writes all of `data` to `fd` (retrying short writes); `path` names it in the error.
absl::Status WriteFully(int fd, std::string_view data, const std::string& path);
absl::Status SyncDirectory(const std::string& dir);
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

struct MaintenanceMarker {
  bool on = false;
  std::optional<std::string> comments;
};
std::string MarkerToJson(const MaintenanceMarker& marker);
absl::StatusOr<MaintenanceMarker> MarkerFromJson(const std::string& text);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_LOCAL_FILES_H_
