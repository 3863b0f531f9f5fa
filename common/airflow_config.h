// File: common/airflow_config.h
//
// Configuration the way Airflow reads it, so an existing deployment's settings apply unchanged:
//   1. built-in defaults (the ones edge3 and Airflow core document),
//   2. $AIRFLOW_HOME/airflow.cfg (AIRFLOW_HOME defaults to ~/airflow; AIRFLOW_CONFIG overrides
//      the file's path), INI sections and `key = value` lines, `#`/`;` comments,
//   3. environment variables AIRFLOW__{SECTION}__{KEY} (upper case), and
//      AIRFLOW__{SECTION}__{KEY}_CMD is not supported (documented in docs/ARCHITECTURE.md),
//   4. explicit overrides (command-line flags), applied by the caller with Set().
// Lookups are case-insensitive on section and key, as Airflow's are. Values are strings; typed
// getters parse them and fail with a message naming the option and the offending value.
#ifndef EDGECTL_COMMON_AIRFLOW_CONFIG_H_
#define EDGECTL_COMMON_AIRFLOW_CONFIG_H_

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace edgectl {

class AirflowConfig {
 public:
  // Reads airflow.cfg (if present) and the environment. A missing file is not an error; an
  // unreadable or malformed one is.
  static absl::StatusOr<AirflowConfig> Load();
  // For tests: from INI text and an explicit environment.
  static absl::StatusOr<AirflowConfig> FromText(const std::string& ini_text,
                                                const std::map<std::string, std::string>& env);

  // The value or nullopt when unset everywhere (defaults included).
  std::optional<std::string> Get(const std::string& section, const std::string& key) const;
  std::string GetOr(const std::string& section, const std::string& key,
                    const std::string& fallback) const;
  absl::StatusOr<int> GetInt(const std::string& section, const std::string& key,
                             int fallback) const;
  absl::StatusOr<double> GetDouble(const std::string& section, const std::string& key,
                                   double fallback) const;
  // Airflow's booleans: true/false, t/f, 1/0, yes/no (any case).
  absl::StatusOr<bool> GetBool(const std::string& section, const std::string& key,
                               bool fallback) const;

  void Set(const std::string& section, const std::string& key, const std::string& value);

  // $AIRFLOW_HOME as Airflow resolves it.
  static std::string AirflowHome();

 private:
  using Key = std::pair<std::string, std::string>;  // lower-cased (section, key)
  std::map<Key, std::string> values_;
};

}  // namespace edgectl

#endif  // EDGECTL_COMMON_AIRFLOW_CONFIG_H_
