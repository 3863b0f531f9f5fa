// edgectl: the single binary for every command, mirroring `airflow edge <command>`:
//   worker-site commands (worker, stop, status, maintenance)        -> worker/
//   central admin commands on PostgreSQL (list-workers, remote-...) -> controlplane/admin/
//   the control-plane sidecar (controlplane)                        -> controlplane/
//   the configuration as Airflow reads it (config get-value, list)  -> common/
// CLI11 parses the command line: gflags has no subcommands, and the same short flag means
// different things in different commands (-c is --concurrency for `worker` and --comments for
// `maintenance`), which argparse-compatible per-command parsing needs.
#include <CLI/CLI.hpp>

#include "cli/cli_context.h"
#include "cli/parse_command_line.h"
#include "common/build_info.h"
#include "common/config_command.h"
#include "controlplane/admin/admin_commands.h"
#include "controlplane/controlplane_command.h"
#include "worker/task_keeper.h"
#include "worker/worker_commands.h"

int main(int argc, char** argv) {
  // The first process of every task (worker/task_keeper.h), started by the worker itself.
  if (std::optional<int> code = edgectl::worker::MaybeRunTaskKeeper(argc, argv)) return *code;
  CLI::App app{"edgectl: Edge Worker components (a C++ implementation of Airflow's edge3)",
               "edgectl"};
  app.require_subcommand(1);
  app.set_version_flag("--version", edgectl::VersionLine());
  edgectl::cli::CliContext context;
  edgectl::worker::AddWorkerCommands(app, context);
  edgectl::controlplane::AddAdminCommands(app, context);
  edgectl::controlplane::AddControlPlaneCommand(app, context);
  edgectl::AddConfigCommands(app, context);
  return edgectl::cli::ParseCommandLine(app, context, argc, argv);
}
