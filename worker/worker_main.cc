// edgectl-worker: the worker-site commands (worker, stop, status, maintenance, config) as a
// binary of their own, with the same command line as `edgectl <command>`. Remote sites install
// it alone (packaging/): it links neither libpqxx nor the sidecar. Tests and the demo use it so
// they do not depend on the other components of the edgectl binary.
#include <CLI/CLI.hpp>

#include "cli/cli_context.h"
#include "cli/parse_command_line.h"
#include "common/build_info.h"
#include "common/config_command.h"
#include "worker/task_keeper.h"
#include "worker/worker_commands.h"

int main(int argc, char** argv) {
  // The first process of every task (worker/task_keeper.h), started by the worker itself.
  if (std::optional<int> code = edgectl::worker::MaybeRunTaskKeeper(argc, argv)) return *code;
  CLI::App app{"edgectl worker-site commands", "edgectl"};
  app.require_subcommand(1);
  app.set_version_flag("--version", edgectl::VersionLine());
  edgectl::cli::CliContext context;
  edgectl::worker::AddWorkerCommands(app, context);
  edgectl::AddConfigCommands(app, context);
  return edgectl::cli::ParseCommandLine(app, context, argc, argv);
}
