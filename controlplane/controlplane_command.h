// File: controlplane/controlplane_command.h
//
// Registers `edgectl controlplane`: the sidecar daemon. Configuration as Airflow reads it
// (airflow.cfg, AIRFLOW__SECTION__KEY) overridden by flags; see controlplane_options.h. Prints
// "controlplane listening on HOST:PORT (metrics on HOST:PORT)" once both ports are bound (actual
// ports, also for port 0), runs until SIGINT or SIGTERM, then shuts down cleanly (exit 0).
// Exit 1 when the configuration is invalid or a port cannot be bound.
#ifndef EDGECTL_CONTROLPLANE_CONTROLPLANE_COMMAND_H_
#define EDGECTL_CONTROLPLANE_CONTROLPLANE_COMMAND_H_

#include <CLI/CLI.hpp>

#include "cli/cli_context.h"

namespace edgectl::controlplane {

void AddControlPlaneCommand(CLI::App& app, cli::CliContext& context);

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_CONTROLPLANE_COMMAND_H_
