#include "controlplane/admin/job_commands.h"

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "common/edge_states.h"
#include "controlplane/admin/central_command.h"
#include "controlplane/admin/job_admin.h"
#include "controlplane/admin/listing_output.h"

namespace edgectl::admin {
namespace {

// A job in one of these can still get log lines: --follow keeps reading.
bool StillRunning(const std::optional<std::string>& state) {
  return state.has_value() && (*state == states::kJobQueued || *state == states::kJobRunning ||
                               *state == states::kJobRestarting || *state == "scheduled" ||
                               *state == "deferred" || *state == "up_for_reschedule");
}

void AddListJobs(CLI::App& app, cli::CliContext& context) {
  struct Options {
    CentralFlags central;
    std::string output = "table";
    std::vector<std::string> states;
    std::string queue, worker, dag_id;
    int limit = 100;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "list-jobs", "Query the db to list the jobs of edge workers (edge_job), newest first.");
  command
      ->add_option("-o,--output", options->output,
                   "Output format. Allowed values: json, yaml, plain, table (default: table)")
      ->check(CLI::IsMember({"table", "json", "yaml", "plain"}).description(""))
      ->type_name("(table, json, yaml, plain)");
  command->add_option("-s,--state", options->states,
                      "Only jobs in these states (queued, running, success, failed, ...)");
  command->add_option("-q,--queue", options->queue, "Only jobs of this queue");
  command->add_option("-H,--edge-hostname", options->worker, "Only jobs of this edge worker");
  command->add_option("--dag-id", options->dag_id, "Only jobs of this DAG");
  command->add_option("--limit", options->limit, "At most this many jobs (default: 100)")
      ->check(CLI::Range(1, 100000));
  AddCentralFlags(command, &options->central);
  command->callback([&context, options] {
    context.exit_code = RunCentral(options->central, [&](pqxx::connection& conn) -> absl::Status {
      JobFilter filter;
      filter.states = options->states;
      if (!options->queue.empty()) filter.queue = options->queue;
      if (!options->worker.empty()) filter.worker = options->worker;
      if (!options->dag_id.empty()) filter.dag_id = options->dag_id;
      filter.limit = options->limit;
      absl::StatusOr<std::vector<Record>> jobs = JobAdmin(conn).List(filter);
      if (!jobs.ok()) return jobs.status();
      absl::StatusOr<OutputFormat> format = ParseOutputFormat(options->output);
      if (!format.ok()) return format.status();
      std::cout << RenderRecords(*jobs, *format);
      return absl::OkStatus();
    });
  });
}

void AddLogs(CLI::App& app, cli::CliContext& context) {
  struct Options {
    CentralFlags central;
    LogKey key;
    int try_number = 0;
    bool follow = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "logs", "Print a job's log as it reached the metadata database (edge_logs).");
  command->add_option("dag_id", options->key.dag_id, "The DAG id")->required();
  command->add_option("task_id", options->key.task_id, "The task id")->required();
  command->add_option("run_id", options->key.run_id, "The DAG run id")->required();
  command->add_option("--map-index", options->key.map_index, "Map index (default: -1)");
  command->add_option("--try", options->try_number, "Try number (default: the latest)")
      ->check(CLI::PositiveNumber);
  command->add_flag("-f,--follow", options->follow,
                    "Keep printing what arrives until the job has ended");
  AddCentralFlags(command, &options->central);
  command->callback([&context, options] {
    context.exit_code = RunCentral(options->central, [&](pqxx::connection& conn) -> absl::Status {
      LogKey key = options->key;
      if (options->try_number > 0) key.try_number = options->try_number;
      JobAdmin jobs(conn);
      std::string after;
      for (;;) {
        absl::StatusOr<LogSlice> slice = jobs.ReadLog(key, after);
        if (!slice.ok()) return slice.status();
        key.try_number = slice->try_number;  // a newer try must not switch logs mid-follow
        std::cout << slice->text << std::flush;
        const bool more = !slice->text.empty();
        after = slice->last_time;
        // The job's state was read before its chunks: ended then means every chunk is in.
        if (!options->follow || (!StillRunning(slice->job_state) && !more)) break;
        if (!more) absl::SleepFor(absl::Milliseconds(500));
      }
      return absl::OkStatus();
    });
  });
}

}  // namespace

void AddJobCommands(CLI::App& app, cli::CliContext& context) {
  AddListJobs(app, context);
  AddLogs(app, context);
}

}  // namespace edgectl::admin
