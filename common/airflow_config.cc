#include "common/airflow_config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

extern char** environ;

namespace edgectl {
namespace {

constexpr char kEnvPrefix[] = "AIRFLOW__";

// Defaults edgectl relies on, from edge3's provider.yaml and Airflow core's config.yml.
const std::map<std::pair<std::string, std::string>, std::string>& Defaults() {
  static const auto* defaults = new std::map<std::pair<std::string, std::string>, std::string>{
      {{"edge", "job_poll_interval"}, "5"},
      {{"edge", "heartbeat_interval"}, "30"},
      {{"edge", "worker_concurrency"}, "8"},
      {{"edge", "push_logs"}, "True"},
      {{"edge", "push_log_chunk_size"}, "524288"},
      {{"edge", "drain_timeout_sec"}, "0"},
      {{"edge", "drain_kill_grace_sec"}, "30"},
      {{"api_auth", "jwt_leeway"}, "10"},
      {{"api_auth", "jwt_algorithm"}, "GUESS"},
      {{"core", "daemon_umask"}, "0o077"},
  };
  return *defaults;
}

std::string Lower(std::string s) { return absl::AsciiStrToLower(s); }

}  // namespace

std::string AirflowConfig::AirflowHome() {
  if (const char* home = std::getenv("AIRFLOW_HOME"); home != nullptr && *home != '\0') {
    return home;
  }
  const char* user_home = std::getenv("HOME");
  return absl::StrCat(user_home != nullptr ? user_home : "", "/airflow");
}

absl::StatusOr<AirflowConfig> AirflowConfig::Load() {
  std::string path;
  if (const char* cfg = std::getenv("AIRFLOW_CONFIG"); cfg != nullptr && *cfg != '\0') {
    path = cfg;
  } else {
    path = AirflowHome() + "/airflow.cfg";
  }
  std::string text;
  std::ifstream in(path);
  if (in) {
    std::stringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) return absl::FailedPreconditionError("cannot read " + path);
    text = buffer.str();
  }
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry = *e;
    size_t eq = entry.find('=');
    if (eq == std::string::npos || !absl::StartsWith(entry, kEnvPrefix)) continue;
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  absl::StatusOr<AirflowConfig> config = FromText(text, env);
  if (!config.ok()) {
    return absl::Status(config.status().code(), absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

absl::StatusOr<AirflowConfig> AirflowConfig::FromText(
    const std::string& ini_text, const std::map<std::string, std::string>& env) {
  AirflowConfig config;
  for (const auto& [key, value] : Defaults()) config.values_[key] = value;

  std::istringstream lines(ini_text);
  std::string line;
  std::string section;
  Key last_key;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (stripped.empty() || stripped[0] == '#' || stripped[0] == ';') continue;
    // A continuation line (indented) extends the previous value, as configparser does.
    if ((line[0] == ' ' || line[0] == '\t') && !last_key.second.empty()) {
      config.values_[last_key] += "\n" + std::string(stripped);
      continue;
    }
    if (stripped.front() == '[') {
      if (stripped.back() != ']') {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", number, ": section header without closing ']'"));
      }
      section = Lower(std::string(absl::StripAsciiWhitespace(stripped.substr(1, stripped.size() - 2))));
      last_key = {};
      continue;
    }
    size_t sep = stripped.find_first_of("=:");
    if (sep == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", number, ": expected `key = value`"));
    }
    if (section.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", number, ": option outside of any [section]"));
    }
    std::string key = Lower(std::string(absl::StripAsciiWhitespace(stripped.substr(0, sep))));
    last_key = {section, key};
    config.values_[last_key] = std::string(absl::StripAsciiWhitespace(stripped.substr(sep + 1)));
  }

  for (const auto& [name, value] : env) {
    if (!absl::StartsWith(name, kEnvPrefix)) continue;
    absl::string_view rest = absl::string_view(name).substr(sizeof(kEnvPrefix) - 1);
    size_t sep = rest.find("__");
    if (sep == absl::string_view::npos) continue;
    config.values_[{Lower(std::string(rest.substr(0, sep))),
                    Lower(std::string(rest.substr(sep + 2)))}] = value;
  }
  return config;
}

std::optional<std::string> AirflowConfig::Get(const std::string& section,
                                              const std::string& key) const {
  auto it = values_.find({Lower(section), Lower(key)});
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string AirflowConfig::GetOr(const std::string& section, const std::string& key,
                                 const std::string& fallback) const {
  return Get(section, key).value_or(fallback);
}

absl::StatusOr<int> AirflowConfig::GetInt(const std::string& section, const std::string& key,
                                          int fallback) const {
  std::optional<std::string> value = Get(section, key);
  if (!value.has_value() || value->empty()) return fallback;
  int out;
  if (!absl::SimpleAtoi(*value, &out)) {
    return absl::InvalidArgumentError(absl::StrCat("[", section, "] ", key,
                                                   " must be an integer, got \"", *value, "\""));
  }
  return out;
}

absl::StatusOr<double> AirflowConfig::GetDouble(const std::string& section,
                                                const std::string& key, double fallback) const {
  std::optional<std::string> value = Get(section, key);
  if (!value.has_value() || value->empty()) return fallback;
  double out;
  if (!absl::SimpleAtod(*value, &out)) {
    return absl::InvalidArgumentError(absl::StrCat("[", section, "] ", key,
                                                   " must be a number, got \"", *value, "\""));
  }
  return out;
}

absl::StatusOr<bool> AirflowConfig::GetBool(const std::string& section, const std::string& key,
                                            bool fallback) const {
  std::optional<std::string> value = Get(section, key);
  if (!value.has_value() || value->empty()) return fallback;
  std::string v = Lower(*value);
  if (v == "true" || v == "t" || v == "1" || v == "yes" || v == "y" || v == "on") return true;
  if (v == "false" || v == "f" || v == "0" || v == "no" || v == "n" || v == "off") return false;
  return absl::InvalidArgumentError(absl::StrCat("[", section, "] ", key,
                                                 " must be True or False, got \"", *value, "\""));
}

void AirflowConfig::Set(const std::string& section, const std::string& key,
                        const std::string& value) {
  values_[{Lower(section), Lower(key)}] = value;
}

}  // namespace edgectl
