// File: worker/task_keeper.h
//
// `edgectl worker-task-keeper --exit-file FILE -- COMMAND...` (hidden): the first process of
// every task, between the worker and Airflow's task supervisor. The worker may die (kill -9, a
// crash, an upgrade) while its tasks run; the tasks keep running, and a restarted worker adopts
// them (worker/job_runner.h). It is not their parent, so it cannot wait for their exit code:
// the keeper records it. The keeper runs COMMAND as its child, forwards SIGTERM, SIGINT, SIGHUP,
// SIGQUIT, SIGUSR1 and SIGUSR2 to it (so the worker's signals reach the supervisor as in edge3),
// and when it ends writes its exit code (128 + signal when killed) to FILE, atomically and
// fsync'ed, then exits with that code. A keeper killed with SIGKILL records nothing: the
// restarted worker reports such a task as failed, saying so.
#ifndef EDGECTL_WORKER_TASK_KEEPER_H_
#define EDGECTL_WORKER_TASK_KEEPER_H_

#include <optional>
#include <string>
#include <vector>

namespace edgectl::worker {

inline constexpr char kTaskKeeperCommand[] = "worker-task-keeper";

// Runs the keeper; returns the process exit code.
int RunTaskKeeper(const std::string& exit_file, const std::vector<std::string>& command);

// When argv is `<binary> worker-task-keeper --exit-file FILE [--] COMMAND...`, runs the keeper and
// returns its exit code; nullopt for any other command line. Called first in main(), before the
// command-line parser, which would not pass COMMAND's own options through untouched.
std::optional<int> MaybeRunTaskKeeper(int argc, char** argv);

// The exit code a keeper recorded in `exit_file`; nullopt when there is none (yet).
std::optional<int> ReadRecordedExitCode(const std::string& exit_file);

// The pid of the live keeper started with `--exit-file exit_file` (searched in /proc); 0 when
// there is none. For a worker that crashed between journaling a start and learning the pid.
int FindTaskKeeper(const std::string& exit_file);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_TASK_KEEPER_H_
