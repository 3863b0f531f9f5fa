// File: common/config_command.h
//
// Registers `edgectl config get-value` and `edgectl config list`, Airflow's `airflow config`
// commands over the configuration edgectl reads (airflow_config.h):
//   get-value SECTION OPTION  prints the effective value (secrets too, as Airflow does) and
//       exits 0; an option set nowhere prints "The option [SECTION/OPTION] is not found in
//       config." on stderr and exits 1.
//   list [--section S] [-s] [-V] [-c] [-a]  prints the effective options in airflow.cfg syntax,
//       section by section, sensitive values as "< hidden >" (as Airflow's as_dict() masks them).
//       -s/--include-sources adds "# Source: LABEL (WHERE)" with Airflow's label (default,
//       airflow.cfg, env var, cmd, secret) and where edgectl found it; -V/--include-env-vars
//       "# Variable: AIRFLOW__S__K"; -c comments every option out; -a/--defaults prints only
//       edgectl's defaults, commented out. -d, -e, -p, --color and -v are accepted and change
//       nothing (edgectl has no option descriptions, examples or colours).
// A configuration that cannot be read (bad airflow.cfg, failing `_cmd`) is an error on stderr,
// exit 1. Warnings (things Airflow silently ignores) go to stderr. Usage errors print the help
// on stdout and "<command> command error: <problem>, see help above." on stderr, exit 2, as
// Airflow's argparse parser does.
#ifndef EDGECTL_COMMON_CONFIG_COMMAND_H_
#define EDGECTL_COMMON_CONFIG_COMMAND_H_

#include <CLI/CLI.hpp>

#include "cli/cli_context.h"

namespace edgectl {

void AddConfigCommands(CLI::App& app, cli::CliContext& context);

}  // namespace edgectl

#endif  // EDGECTL_COMMON_CONFIG_COMMAND_H_
