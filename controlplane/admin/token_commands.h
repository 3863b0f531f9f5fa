// File: controlplane/admin/token_commands.h
//
// `edgectl token issue -H NAME`, `edgectl token list [-H NAME]`, `edgectl token revoke -H NAME
// [--token-id ID]`: central commands on the metadata database (token_admin.h), with the same
// database flags and error behaviour as the other admin commands.
#ifndef EDGECTL_CONTROLPLANE_ADMIN_TOKEN_COMMANDS_H_
#define EDGECTL_CONTROLPLANE_ADMIN_TOKEN_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "cli/cli_context.h"

namespace edgectl::admin {

void AddTokenCommands(CLI::App& app, cli::CliContext& context);

}  // namespace edgectl::admin

#endif  // EDGECTL_CONTROLPLANE_ADMIN_TOKEN_COMMANDS_H_
