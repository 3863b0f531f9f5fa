// File: controlplane/admin/admin_commands.h
//
// Registers the edgectl subcommands: list-workers, remote-edge-worker-*, shutdown-*, remove-remote-edge-worker, add/remove-worker-queues, set-worker-concurrency, health, db.
#ifndef EDGECTL_CONTROLPLANE_ADMIN_ADMIN_COMMANDS_H_
#define EDGECTL_CONTROLPLANE_ADMIN_ADMIN_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "cli/cli_context.h"

namespace edgectl::controlplane {

void AddAdminCommands(CLI::App& app, cli::CliContext& context);

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_ADMIN_ADMIN_COMMANDS_H_
