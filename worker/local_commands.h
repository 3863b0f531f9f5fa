// File: worker/local_commands.h
//
// edge3's local commands (cli/edge_command.py), acting on the worker of this machine through its
// pid file, SIGINT / SIGUSR2 and the status and marker files. Each returns the exit code edge3
// uses: 1 no pid ("Could not find PID of worker."), 2 the process vanished while waiting, 3 status
// file not written in time, 4 `maintenance on` without comments.
#ifndef EDGECTL_WORKER_LOCAL_COMMANDS_H_
#define EDGECTL_WORKER_LOCAL_COMMANDS_H_

#include <optional>
#include <string>

#include "absl/time/time.h"

namespace edgectl::worker {

struct LocalCommandOptions {
  std::optional<std::string> pid;  // --pid
  std::string airflow_home;
  bool wait = false;
  bool verbose = false;
  // edge3 re-polls a waiting `maintenance` every 5 s; tests shorten it.
  absl::Duration maintenance_poll = absl::Seconds(5);
};

int StopWorker(const LocalCommandOptions& options);
int PrintWorkerStatus(const LocalCommandOptions& options);
int SetLocalMaintenance(const LocalCommandOptions& options, bool on,
                        const std::optional<std::string>& comments);

// "[YYYY-mm-dd HH:MM] - <user> put node into maintenance mode via cli\nComment: <comments>"
std::string MaintenanceComment(const std::string& user, absl::Time now, const std::string& text);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_LOCAL_COMMANDS_H_
