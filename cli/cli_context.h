// File: cli/cli_context.h
//
// What each component's command registration shares with edgectl's main(): components add their
// subcommands to the CLI11 app (argparse parity with `airflow edge ...`: subcommands, per-command
// short flags and --help) and store the command's exit code here from the subcommand callback.
#ifndef EDGECTL_CLI_CLI_CONTEXT_H_
#define EDGECTL_CLI_CLI_CONTEXT_H_

namespace edgectl::cli {

struct CliContext {
  int exit_code = 0;
};

}  // namespace edgectl::cli

#endif  // EDGECTL_CLI_CLI_CONTEXT_H_
