// File: worker/worker_commands.h
//
// Registers the edgectl subcommands: worker, stop, status, maintenance.
#ifndef EDGECTL_WORKER_WORKER_COMMANDS_H_
#define EDGECTL_WORKER_WORKER_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "cli/cli_context.h"

namespace edgectl::worker {

void AddWorkerCommands(CLI::App& app, cli::CliContext& context);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_WORKER_COMMANDS_H_
