// File: controlplane/admin/job_commands.h
//
// `edgectl list-jobs [-o FORMAT] [-s STATE ...] [-q QUEUE] [-H WORKER] [--dag-id DAG]
// [--limit N]` lists edge_job rows (newest queued first) in list-workers' output formats;
// `edgectl logs DAG TASK RUN [--map-index M] [--try N] [--follow]` prints a job's log as it
// reached edge_logs, and with --follow keeps printing what arrives until the job has ended and
// its last chunk is printed. Central commands: same database flags and errors as list-workers.
#ifndef EDGECTL_CONTROLPLANE_ADMIN_JOB_COMMANDS_H_
#define EDGECTL_CONTROLPLANE_ADMIN_JOB_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "cli/cli_context.h"

namespace edgectl::admin {

void AddJobCommands(CLI::App& app, cli::CliContext& context);

}  // namespace edgectl::admin

#endif  // EDGECTL_CONTROLPLANE_ADMIN_JOB_COMMANDS_H_
