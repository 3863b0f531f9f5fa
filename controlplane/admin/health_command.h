// File: controlplane/admin/health_command.h
//
// `edgectl health [-o json|yaml|table|plain] [--api-url URL]`: probes the Edge worker API
// (GET /edge_worker/v1/health) as airflowctl's edge3 `health` command does
// (providers/edge3/ctl/health_command.py) and prints the reply as a one-row listing, JSON by
// default as airflowctl's --output. The URL is [edge] api_url (or --api-url), the one workers use.
// A probe reports the present state: one attempt, no retries; a failure exits 1.
#ifndef EDGECTL_CONTROLPLANE_ADMIN_HEALTH_COMMAND_H_
#define EDGECTL_CONTROLPLANE_ADMIN_HEALTH_COMMAND_H_

#include <CLI/CLI.hpp>

#include "cli/cli_context.h"

namespace edgectl::admin {

void AddHealthCommand(CLI::App& app, cli::CliContext& context);

}  // namespace edgectl::admin

#endif  // EDGECTL_CONTROLPLANE_ADMIN_HEALTH_COMMAND_H_
