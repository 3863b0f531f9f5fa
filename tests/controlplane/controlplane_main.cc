// `edgectl controlplane` alone: the same registration cli/main.cc performs, without the other
// components' commands, so the command's process-level test depends only on the sidecar.
#include <CLI/CLI.hpp>

#include "cli/cli_context.h"
#include "controlplane/controlplane_command.h"

int main(int argc, char** argv) {
  CLI::App app{"edgectl (controlplane only, for tests)", "edgectl"};
  app.require_subcommand(1);
  edgectl::cli::CliContext context;
  edgectl::controlplane::AddControlPlaneCommand(app, context);
  CLI11_PARSE(app, argc, argv);
  return context.exit_code;
}
