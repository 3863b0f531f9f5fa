// File: common/config_expand.h
//
// Airflow's expand_env_var(): Python's os.path.expandvars() then os.path.expanduser(), repeated
// until the text stops changing. Airflow applies it to values from airflow.cfg (after
// interpolation), to AIRFLOW__SECTION__KEY values and to defaults, and to $AIRFLOW_HOME and
// $AIRFLOW_CONFIG; not to the output of `_cmd` commands or secrets backends.
//   - `$NAME` (NAME of ASCII letters, digits, '_') and `${NAME}` are replaced by the variable's
//     value when it is set; unset ones stay as written. There is no escape: `$$` stays `$$`.
//   - A leading `~` or `~/...` becomes $HOME (or the passwd entry's home when HOME is unset),
//     `~user/...` that user's home; `~` anywhere else stays.
// `env` stands for the process environment, so tests stay hermetic.
#ifndef EDGECTL_COMMON_CONFIG_EXPAND_H_
#define EDGECTL_COMMON_CONFIG_EXPAND_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace edgectl {

using Environment = std::map<std::string, std::string>;

// One pass of posixpath.expandvars.
std::string ExpandVars(absl::string_view text, const Environment& env);
// posixpath.expanduser.
std::string ExpandUser(absl::string_view text, const Environment& env);
// expand_env_var. Airflow loops forever when a variable keeps growing (X="a$X"); this stops
// after 100 rounds with INVALID_ARGUMENT naming no value (it may be a secret).
absl::StatusOr<std::string> ExpandEnvVar(absl::string_view text, const Environment& env);

// The process environment as a map.
Environment ProcessEnvironment();

}  // namespace edgectl

#endif  // EDGECTL_COMMON_CONFIG_EXPAND_H_
