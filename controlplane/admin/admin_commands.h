// File: controlplane/admin/admin_commands.h
//
// Registers edgectl's central admin subcommands, named and flagged as `airflow edge ...`
// (edge3 cli/definition.py): list-workers, remote-edge-worker-request-maintenance,
// remote-edge-worker-exit-maintenance, remote-edge-worker-update-maintenance-comment,
// remove-remote-edge-worker, shutdown-remote-edge-worker, add-worker-queues, remove-worker-queues,
// set-worker-concurrency, shutdown-all-workers; plus `db init` / `db check`. Each works on the
// Airflow metadata database directly (worker_admin.h) and stores its exit code in the context.
#ifndef EDGECTL_CONTROLPLANE_ADMIN_ADMIN_COMMANDS_H_
#define EDGECTL_CONTROLPLANE_ADMIN_ADMIN_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "cli/cli_context.h"

namespace edgectl::controlplane {

void AddAdminCommands(CLI::App& app, cli::CliContext& context);

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_ADMIN_ADMIN_COMMANDS_H_
