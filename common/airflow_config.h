// File: common/airflow_config.h
//
// Configuration exactly as Airflow's AirflowConfigParser.get() reads it, so an existing
// deployment's settings apply unchanged. For each option, the first of these that has it wins:
//   1. Set() overrides (command-line flags of the edgectl command),
//   2. AIRFLOW__{SECTION}__{KEY} (exact upper-case name), `$VAR`/`~` expanded,
//   3. AIRFLOW__{SECTION}__{KEY}_CMD: the command's stdout (sensitive options only),
//   4. AIRFLOW__{SECTION}__{KEY}_SECRET: the secrets backend's value (sensitive options only),
//   5. airflow.cfg ($AIRFLOW_CONFIG, else $AIRFLOW_HOME/airflow.cfg, AIRFLOW_HOME defaulting to
//      ~/airflow), interpolated (config_ini.h) then `$VAR`/`~` expanded,
//   6. airflow.cfg `key_cmd` (sensitive options only; an empty output falls through),
//   7. airflow.cfg `key_secret` (sensitive options only; an empty value falls through),
//   8. edgectl's copy of the defaults (Airflow core's and edge3's), expanded.
// Sensitive options are Airflow's `sensitive: true` ones (SensitiveOptions()); on any other
// option a `_cmd`/`_secret` key is just an ordinary option, as in Airflow (Warnings() says so).
// Airflow reads airflow.cfg names case-sensitively and looks them up in lower case, so a section
// or key written with capitals is never read (also reported in Warnings()); lookups here take
// any case. Commands and secrets are resolved once, at Load()/FromText(): a failing `_cmd`, an
// unsupported secrets backend or a malformed file is an error then, naming the file and line or
// the variable, never the value. Values are strings; typed getters parse them and fail with a
// message naming the option and the offending value.
#ifndef EDGECTL_COMMON_AIRFLOW_CONFIG_H_
#define EDGECTL_COMMON_AIRFLOW_CONFIG_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/config_shell.h"

namespace edgectl {

// Where an effective value came from.
struct ConfigSource {
  enum class Kind {
    kDefault,
    kAirflowCfg,   // where: "/path/airflow.cfg line 12"
    kEnvVar,       // where: the variable's name
    kEnvCommand,   // where: the AIRFLOW__..._CMD variable's name
    kEnvSecret,    // where: the AIRFLOW__..._SECRET variable's name
    kFileCommand,  // where: "/path/airflow.cfg line 12"
    kFileSecret,   // where: "/path/airflow.cfg line 12"
    kOverride,     // Set(): a command-line flag
  };
  Kind kind = Kind::kDefault;
  std::string where;

  // The source as `airflow config list --include-sources` names it: "default", "airflow.cfg",
  // "env var", "cmd", "secret"; edgectl's flags are "command-line flag".
  std::string AirflowLabel() const;
  // For people: "env var AIRFLOW__EDGE__API_URL", "airflow.cfg /x/airflow.cfg line 3", ...
  std::string Describe() const;
};

// One effective option, as `edgectl config list` shows it.
struct ConfigOption {
  std::string section;
  std::string key;
  std::string value;      // what Get() returns
  std::string cfg_value;  // the same in airflow.cfg syntax (the text as written, or % as %%)
  ConfigSource source;
  bool sensitive = false;
};

struct AirflowConfigOptions {
  // Names airflow.cfg in messages and sources.
  std::string file_path = "airflow.cfg";
  // Runs `_cmd` values; empty means RunConfigCommand (Airflow's run_command).
  CommandRunner run_command;
};

class AirflowConfig {
 public:
  // Reads airflow.cfg (if present) and the environment. A missing file is not an error; an
  // unreadable or malformed one is, and so is a failing `_cmd` or an unusable `_secret`.
  static absl::StatusOr<AirflowConfig> Load();
  // For tests: from INI text and an explicit environment (it stands for the whole process
  // environment, also for $VAR expansion).
  static absl::StatusOr<AirflowConfig> FromText(const std::string& ini_text,
                                                const std::map<std::string, std::string>& env);
  static absl::StatusOr<AirflowConfig> FromText(const std::string& ini_text,
                                                const std::map<std::string, std::string>& env,
                                                const AirflowConfigOptions& options);

  // The value or nullopt when unset everywhere (defaults included).
  std::optional<std::string> Get(const std::string& section, const std::string& key) const;
  std::string GetOr(const std::string& section, const std::string& key,
                    const std::string& fallback) const;
  absl::StatusOr<int> GetInt(const std::string& section, const std::string& key,
                             int fallback) const;
  absl::StatusOr<double> GetDouble(const std::string& section, const std::string& key,
                                   double fallback) const;
  // Airflow's booleans: true/false, t/f, 1/0 (any case, text after '#' ignored); edgectl also
  // takes yes/no, y/n and on/off.
  absl::StatusOr<bool> GetBool(const std::string& section, const std::string& key,
                               bool fallback) const;

  void Set(const std::string& section, const std::string& key, const std::string& value);

  // Where Get(section, key) comes from; nullopt when unset.
  std::optional<ConfigSource> SourceOf(const std::string& section, const std::string& key) const;
  // Every effective option, sorted by section and key. The `key_cmd` / `key_secret` entries of
  // sensitive options are left out: they show as the option they produce.
  std::vector<ConfigOption> List() const;
  // edgectl's defaults as `config list --defaults` shows them (not expanded, % written %%).
  static std::vector<ConfigOption> DefaultOptions();
  // Things Airflow silently ignores that are probably mistakes, for the caller to print.
  const std::vector<std::string>& Warnings() const { return warnings_; }
  // The airflow.cfg this configuration was read from (it may not exist).
  const std::string& FilePath() const { return file_path_; }

  // Airflow's sensitive options (config.yml `sensitive: true`, core and the providers edgectl
  // meets): lower-case (section, key).
  static const std::set<std::pair<std::string, std::string>>& SensitiveOptions();
  static bool IsSensitive(const std::string& section, const std::string& key);

  // $AIRFLOW_HOME as Airflow resolves it (expanded; ~/airflow when unset).
  static std::string AirflowHome();
  // $AIRFLOW_CONFIG (expanded), else $AIRFLOW_HOME/airflow.cfg.
  static std::string ConfigFilePath();

 private:
  friend class ConfigResolver;
  using Key = std::pair<std::string, std::string>;  // lower-cased (section, key)
  struct Entry {
    std::string value;
    std::string cfg_value;
    ConfigSource source;
  };
  std::map<Key, Entry> values_;
  std::vector<std::string> warnings_;
  std::string file_path_;
};

}  // namespace edgectl

#endif  // EDGECTL_COMMON_AIRFLOW_CONFIG_H_
