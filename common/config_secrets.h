// File: common/config_secrets.h
//
// The secrets backend behind `_secret` options. `[section] key_secret = NAME` (or
// AIRFLOW__SECTION__KEY_SECRET=NAME) makes Airflow ask the backend named by [secrets] backend,
// built with the JSON object [secrets] backend_kwargs, for the config value NAME
// (BaseSecretsBackend.get_config). Backends are Python classes, so edgectl implements the one
// that serves config values without Python or a network service:
//   airflow.secrets.local_filesystem.LocalFilesystemBackend, kwarg `configs_file_path`, a file
//   read as Airflow reads it: `.env` (NAME=value lines split at the first '=', nothing
//   stripped, `#` comment lines and empty lines skipped) or `.json` (an object of strings, or
//   one-element lists of strings). The file is read on every lookup, as Airflow does.
// Any other backend (Vault, AWS, GCP, ...) is UNIMPLEMENTED with a message naming it; YAML
// configs files likewise. Messages never contain a secret value or the backend_kwargs text.
#ifndef EDGECTL_COMMON_CONFIG_SECRETS_H_
#define EDGECTL_COMMON_CONFIG_SECRETS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace edgectl {

inline constexpr char kLocalFilesystemBackend[] =
    "airflow.secrets.local_filesystem.LocalFilesystemBackend";

class SecretsBackend {
 public:
  // `backend` is [secrets] backend (non-empty), `backend_kwargs` its kwargs JSON ("" = none).
  static absl::StatusOr<SecretsBackend> Create(const std::string& backend,
                                               const std::string& backend_kwargs);

  // The config value NAME, or nullopt when the file has no such name.
  absl::StatusOr<std::optional<std::string>> GetConfig(const std::string& name) const;

  // "LocalFilesystemBackend (configs file /etc/airflow/configs.json)".
  std::string Describe() const;

 private:
  SecretsBackend() = default;
  std::string configs_file_;
};

}  // namespace edgectl

#endif  // EDGECTL_COMMON_CONFIG_SECRETS_H_
