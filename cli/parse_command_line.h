// File: cli/parse_command_line.h
//
// Parses the command line and runs the chosen command's callback, with argparse's (and so
// edge3's) exit codes: --help and --version print to stdout and exit 0, a usage error prints
// its message to stderr and exits 2 (CLI11 would use codes of its own, 105 to 109).
#ifndef EDGECTL_CLI_PARSE_COMMAND_LINE_H_
#define EDGECTL_CLI_PARSE_COMMAND_LINE_H_

#include <CLI/CLI.hpp>

#include "cli/cli_context.h"

namespace edgectl::cli {

inline int ParseCommandLine(CLI::App& app, CliContext& context, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, version or the error
    return code == 0 ? 0 : 2;
  }
  return context.exit_code;
}

}  // namespace edgectl::cli

#endif  // EDGECTL_CLI_PARSE_COMMAND_LINE_H_
