// File: tests/e2e/job_enqueuer.h
//
// Queues jobs the way Airflow's EdgeExecutor.queue_workload does: one edge_job row per task
// instance try, state 'queued', the ExecuteTask workload JSON in `command` (the shape Airflow's
// scheduler serialises: token, ti{...}, dag_rel_path, bundle_info, log_path, type), the task's
// pool_slots as concurrency_slots, and its priority_weight. Used by the end-to-end tests and the
// demo (through enqueue_jobs_main.cc); Airflow itself is not installable here.
#ifndef EDGECTL_TESTS_E2E_JOB_ENQUEUER_H_
#define EDGECTL_TESTS_E2E_JOB_ENQUEUER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace edgectl::e2e {

struct TaskSpec {
  std::string dag_id = "example_dag";
  std::string task_id = "task";
  std::string run_id = "manual__2026-01-01T00:00:00+00:00";
  int try_number = 1;
  int map_index = -1;
  std::string queue = "default";
  int pool_slots = 1;
  int priority_weight = 1;
  // Knobs of the stand-in Task SDK entry point (tests/task_sdk_standin/README.md): lines,
  // sleep, exit_code, stderr, raw_log, ... Added to the workload as a "standin" object only when
  // set; Airflow's real workloads never carry it.
  nlohmann::json standin = nullptr;
  // When set, the workload's token is a task token signed with this [api_auth] jwt_secret as
  // Airflow's scheduler signs it (workload scope), which the double's Execution API verifies;
  // else a placeholder string.
  std::string token_secret;
};

struct QueuedJob {
  std::string task_instance_id;  // the ti.id UUID, also edge_job.task_instance_id (edge3 >= 5.0)
  std::string log_path;          // relative to [logging] base_log_folder
  std::string command;           // the workload JSON stored in edge_job.command
};

// Inserts the row; the key columns must not exist yet.
absl::StatusOr<QueuedJob> EnqueueTask(const std::string& dsn, const TaskSpec& spec);
// Inserts all rows in one transaction (visible at once, as a scheduler's burst).
absl::StatusOr<std::vector<QueuedJob>> EnqueueTasks(const std::string& dsn,
                                                    const std::vector<TaskSpec>& specs);

// Airflow's default log_filename_template rendered for a task instance try.
std::string DefaultLogPath(const TaskSpec& spec);

}  // namespace edgectl::e2e

#endif  // EDGECTL_TESTS_E2E_JOB_ENQUEUER_H_
