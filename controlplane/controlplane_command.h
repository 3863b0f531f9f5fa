// File: controlplane/controlplane_command.h
//
// Registers the edgectl subcommands: controlplane.
#ifndef EDGECTL_CONTROLPLANE_CONTROLPLANE_COMMAND_H_
#define EDGECTL_CONTROLPLANE_CONTROLPLANE_COMMAND_H_

#include <CLI/CLI.hpp>

#include "cli/cli_context.h"

namespace edgectl::controlplane {

void AddControlPlaneCommand(CLI::App& app, cli::CliContext& context);

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_CONTROLPLANE_COMMAND_H_
