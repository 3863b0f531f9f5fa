// File: common/config_shell.h
//
// How Airflow runs a `_cmd` option (airflow.configuration.run_command): the command text is
// split like a shell would split it (Python's shlex.split, POSIX mode) and the program is run
// directly, found on PATH, with no shell: pipes, `$VAR`, `~` and globs are not interpreted
// (write `sh -c '...'` for those). stdout and stderr are captured; the value is stdout decoded as
// UTF-8 with undecodable bytes dropped and NOT stripped (a trailing newline stays part of the
// value, as in Airflow, so both sides of a shared secret agree). A non-zero exit fails.
// Errors name the program and the exit status, never the output: it may be the secret.
#ifndef EDGECTL_COMMON_CONFIG_SHELL_H_
#define EDGECTL_COMMON_CONFIG_SHELL_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace edgectl {

// Runs one `_cmd` value and returns its stdout (the option's value), or an error whose message
// completes "the command ...": e.g. "`cat` exited with status 1". Injectable for tests.
using CommandRunner = std::function<absl::StatusOr<std::string>(const std::string& command)>;

// shlex.split(command): whitespace separates words; '...' is literal; "..." keeps backslash
// only before '"' and '\'; outside quotes a backslash escapes any character. An unclosed quote
// or a trailing backslash is INVALID_ARGUMENT.
absl::StatusOr<std::vector<std::string>> ShlexSplit(absl::string_view command);

// Airflow's run_command, as a CommandRunner.
absl::StatusOr<std::string> RunConfigCommand(const std::string& command);

// Python's bytes.decode("utf-8", "ignore").
std::string DropInvalidUtf8(absl::string_view bytes);

}  // namespace edgectl

#endif  // EDGECTL_COMMON_CONFIG_SHELL_H_
