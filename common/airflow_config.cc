#include "common/airflow_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/config_expand.h"
#include "common/config_ini.h"
#include "common/config_secrets.h"

namespace edgectl {
namespace {

using Key = std::pair<std::string, std::string>;

constexpr char kEnvPrefix[] = "AIRFLOW__";

// Defaults edgectl relies on, from edge3's provider.yaml and Airflow core's config.yml.
const std::map<Key, std::string>& Defaults() {
  static const auto* defaults = new std::map<Key, std::string>{
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

// AirflowConfigParser._env_var_name.
std::string EnvName(const std::string& section, const std::string& key) {
  return absl::StrCat(kEnvPrefix, absl::AsciiStrToUpper(absl::StrReplaceAll(section, {{".", "_"}})),
                      "__", absl::AsciiStrToUpper(key));
}

// A value in the form airflow.cfg would need to yield it (ConfigParser's "raw" form).
std::string CfgForm(const std::string& value) { return absl::StrReplaceAll(value, {{"%", "%%"}}); }

// The option a `key_cmd` / `key_secret` entry feeds, or "" when `key` is neither.
std::string FedOption(const std::string& key) {
  for (absl::string_view suffix : {"_cmd", "_secret"}) {
    if (absl::EndsWith(key, suffix) && key.size() > suffix.size()) {
      return key.substr(0, key.size() - suffix.size());
    }
  }
  return "";
}

}  // namespace

std::string ConfigSource::AirflowLabel() const {
  switch (kind) {
    case Kind::kDefault: return "default";
    case Kind::kAirflowCfg: return "airflow.cfg";
    case Kind::kEnvVar: return "env var";
    case Kind::kEnvCommand:
    case Kind::kFileCommand: return "cmd";
    case Kind::kEnvSecret:
    case Kind::kFileSecret: return "secret";
    case Kind::kOverride: return "command-line flag";
  }
  return "";
}

std::string ConfigSource::Describe() const {
  switch (kind) {
    case Kind::kDefault: return "default";
    case Kind::kAirflowCfg: return where;
    case Kind::kEnvVar: return absl::StrCat("env var ", where);
    case Kind::kEnvCommand: return absl::StrCat("command in env var ", where);
    case Kind::kFileCommand: return absl::StrCat("command in ", where);
    case Kind::kEnvSecret: return absl::StrCat("secrets backend, name in env var ", where);
    case Kind::kFileSecret: return absl::StrCat("secrets backend, name in ", where);
    case Kind::kOverride: return "command-line flag";
  }
  return "";
}

const std::set<Key>& AirflowConfig::SensitiveOptions() {
  // Airflow core's config.yml, the [api] secret_key that replaced [webserver] secret_key (both
  // count, as deprecated_options makes the old name sensitive too), and the celery provider's.
  static const auto* sensitive = new std::set<Key>{
      {"core", "fernet_key"},
      {"core", "asset_manager_kwargs"},
      {"database", "sql_alchemy_conn"},
      {"database", "sql_alchemy_engine_args"},
      {"logging", "remote_task_handler_kwargs"},
      {"secrets", "backend_kwargs"},
      {"workers", "secrets_backend_kwargs"},
      {"api_auth", "jwt_secret"},
      {"api", "secret_key"},
      {"webserver", "secret_key"},
      {"sentry", "sentry_dsn"},
      {"celery", "broker_url"},
      {"celery", "result_backend"},
      {"celery", "flower_basic_auth"},
      {"celery_broker_transport_options", "sentinel_kwargs"},
      {"celery_result_backend_transport_options", "sentinel_kwargs"},
      // edgectl's own: the sidecar's OIDC client secret (bridge/oidc_token_source.h).
      {"edge", "controlplane_oidc_client_secret"},
  };
  return *sensitive;
}

bool AirflowConfig::IsSensitive(const std::string& section, const std::string& key) {
  return SensitiveOptions().count({Lower(section), Lower(key)}) > 0;
}

// Resolves every option once, in AirflowConfigParser.get()'s order, into config->values_.
class ConfigResolver {
 public:
  using Entry = AirflowConfig::Entry;

  ConfigResolver(const IniFile& ini, const Environment& env, CommandRunner run,
                 AirflowConfig* config)
      : ini_(ini), env_(env), run_(std::move(run)), config_(config) {}

  absl::Status ResolveAll() {
    std::set<Key> keys;
    for (const auto& [key, value] : Defaults()) keys.insert(key);
    for (const Key& key : AirflowConfig::SensitiveOptions()) keys.insert(key);
    CollectFileKeys(&keys);
    CollectEnvKeys(&keys);
    for (const Key& key : keys) {
      absl::StatusOr<std::optional<Entry>> entry = Resolve(key);
      if (!entry.ok()) return entry.status();
      if (entry->has_value()) config_->values_[key] = **entry;
    }
    for (const auto& [key, entry] : config_->values_) {
      const std::string fed = FedOption(key.second);
      const bool is_cmd = absl::EndsWith(key.second, "_cmd");
      if (fed.empty() || AirflowConfig::IsSensitive(key.first, fed)) continue;
      // Options whose own name ends in _secret (jwt_secret) are common; flag only known ones.
      if (!is_cmd && Defaults().count({key.first, fed}) == 0) continue;
      Warn(absl::StrCat("[", key.first, "] ", key.second, " (", entry.source.Describe(),
                        ") is an ordinary option to Airflow: it runs `_cmd` and reads `_secret` "
                        "only for sensitive options, so [", key.first, "] ", fed,
                        " does not come from it"));
    }
    return absl::OkStatus();
  }

 private:
  void Warn(std::string message) { config_->warnings_.push_back(std::move(message)); }

  std::string Where(const IniOption& option) const {
    return absl::StrCat(ini_.path(), " line ", option.line);
  }

  // Airflow looks airflow.cfg names up in lower case, exactly: others are never read.
  void CollectFileKeys(std::set<Key>* keys) {
    for (const IniOption& d : ini_.defaults()) {
      if (d.name != Lower(d.name)) {
        Warn(absl::StrCat("[DEFAULT] ", d.name, " (", Where(d), ") is never read: Airflow looks "
                          "airflow.cfg names up in lower case, exactly; write ", Lower(d.name)));
      }
    }
    for (const IniSection& section : ini_.sections()) {
      if (section.name != Lower(section.name)) {
        Warn(absl::StrCat("[", section.name, "] (", ini_.path(), " line ", section.line,
                          ") is never read: Airflow looks airflow.cfg sections up in lower case, "
                          "exactly; write [", Lower(section.name), "]"));
        continue;
      }
      for (const IniOption& o : section.options) {
        if (o.name != Lower(o.name)) {
          Warn(absl::StrCat("[", section.name, "] ", o.name, " (", Where(o), ") is never read: "
                            "Airflow looks airflow.cfg option names up in lower case, exactly; "
                            "write ", Lower(o.name)));
        }
      }
      for (const IniOption* o : ini_.Items(section.name)) {
        if (o->name == Lower(o->name)) keys->insert({section.name, o->name});
      }
    }
  }

  void CollectEnvKeys(std::set<Key>* keys) {
    for (const auto& [name, value] : env_) {
      if (!absl::StartsWith(name, kEnvPrefix)) continue;
      const std::string rest = name.substr(sizeof(kEnvPrefix) - 1);
      const size_t sep = rest.find("__");
      if (sep == std::string::npos || sep == 0 || sep + 2 == rest.size()) continue;
      if (rest != absl::AsciiStrToUpper(rest)) {
        Warn(absl::StrCat("environment variable ", name, " is never read: Airflow reads "
                          "AIRFLOW__SECTION__KEY in upper case only; write ", kEnvPrefix,
                          absl::AsciiStrToUpper(rest)));
        continue;
      }
      keys->insert({Lower(rest.substr(0, sep)), Lower(rest.substr(sep + 2))});
    }
  }

  absl::StatusOr<std::optional<Entry>> Resolve(const Key& key) {
    if (auto it = done_.find(key); it != done_.end()) return it->second;
    if (!in_progress_.insert(key).second) {
      return absl::FailedPreconditionError(absl::StrCat(
          "[", key.first, "] ", key.second, " is needed to read itself (", key.second,
          "_secret needs the secrets backend that [secrets] backend_kwargs configures); set it "
          "directly or with ", key.second, "_cmd"));
    }
    absl::StatusOr<std::optional<Entry>> entry = ResolveUncached(key);
    in_progress_.erase(key);
    if (entry.ok()) done_[key] = *entry;
    return entry;
  }

  absl::StatusOr<std::optional<Entry>> ResolveUncached(const Key& key) {
    const auto& [section, name] = key;
    const bool sensitive = AirflowConfig::IsSensitive(section, name);
    const std::string env_name = EnvName(section, name);
    using Kind = ConfigSource::Kind;
    if (auto it = env_.find(env_name); it != env_.end()) {
      absl::StatusOr<std::string> value = ExpandEnvVar(it->second, env_);
      if (!value.ok()) return Prefixed(env_name, value.status());
      return Entry{*value, CfgForm(*value), {Kind::kEnvVar, env_name}};
    }
    if (sensitive) {
      if (auto it = env_.find(env_name + "_CMD"); it != env_.end()) {
        absl::StatusOr<std::string> out = RunCommand(it->first, it->second);
        if (!out.ok()) return out.status();
        return Entry{*out, CfgForm(*out), {Kind::kEnvCommand, it->first}};
      }
      if (auto it = env_.find(env_name + "_SECRET"); it != env_.end()) {
        absl::StatusOr<std::string> value = FromSecretsBackend(it->first, it->second);
        if (!value.ok()) return value.status();
        return Entry{*value, CfgForm(*value), {Kind::kEnvSecret, it->first}};
      }
    }
    if (const IniOption* option = ini_.Find(section, name)) {
      absl::StatusOr<std::string> value = ini_.Interpolated(section, name);
      if (value.ok()) value = ExpandEnvVar(*value, env_);
      if (!value.ok()) return Prefixed(FileLabel(section, *option), value.status());
      absl::StatusOr<std::string> as_written = ExpandEnvVar(option->raw, env_);
      return Entry{*value, as_written.ok() ? *as_written : option->raw,
                   {Kind::kAirflowCfg, Where(*option)}};
    }
    if (sensitive) {
      for (const Kind kind : {Kind::kFileCommand, Kind::kFileSecret}) {
        const std::string helper = name + (kind == Kind::kFileCommand ? "_cmd" : "_secret");
        const IniOption* option = ini_.Find(section, helper);
        if (option == nullptr) continue;
        const std::string label = FileLabel(section, *option);
        absl::StatusOr<std::string> text = ini_.Interpolated(section, helper);
        if (!text.ok()) return text.status();
        absl::StatusOr<std::string> value = kind == Kind::kFileCommand
                                                ? RunCommand(label, *text)
                                                : FromSecretsBackend(label, *text);
        if (!value.ok()) return value.status();
        if (!value->empty()) return Entry{*value, CfgForm(*value), {kind, Where(*option)}};
        Warn(absl::StrCat(label, " gave an empty value, which Airflow ignores: [", section, "] ",
                          name, " falls back to the next source"));
      }
    }
    if (auto it = Defaults().find(key); it != Defaults().end()) {
      absl::StatusOr<std::string> value = ExpandEnvVar(it->second, env_);
      if (!value.ok()) return Prefixed("default", value.status());
      return Entry{*value, CfgForm(it->second), {Kind::kDefault, ""}};
    }
    return std::optional<Entry>();
  }

  std::string FileLabel(const std::string& section, const IniOption& option) const {
    return absl::StrCat("[", section, "] ", option.name, " (", Where(option), ")");
  }

  static absl::Status Prefixed(const std::string& label, const absl::Status& status) {
    return absl::Status(status.code(), absl::StrCat(label, ": ", status.message()));
  }

  absl::StatusOr<std::string> RunCommand(const std::string& label, const std::string& command) {
    absl::StatusOr<std::string> out = run_(command);
    if (!out.ok()) {
      return absl::Status(out.status().code(),
                          absl::StrCat(label, ": the command ", out.status().message()));
    }
    return out;
  }

  // BaseSecretsBackend.get_config(name) on [secrets] backend.
  absl::StatusOr<std::string> FromSecretsBackend(const std::string& label,
                                                 const std::string& name) {
    if (!backend_.has_value()) {
      absl::StatusOr<std::optional<Entry>> backend = Resolve({"secrets", "backend"});
      if (!backend.ok()) return backend.status();
      if (!backend->has_value() || (*backend)->value.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            label, " asks the secrets backend for config \"", name,
            "\", but [secrets] backend is not set, so Airflow would ignore it and use the "
            "default; set [secrets] backend = ", kLocalFilesystemBackend,
            " and backend_kwargs = {\"configs_file_path\": \"/path/configs.json\"}, or give the "
            "value directly or through the `_cmd` variant"));
      }
      absl::StatusOr<std::optional<Entry>> kwargs = Resolve({"secrets", "backend_kwargs"});
      if (!kwargs.ok()) return kwargs.status();
      absl::StatusOr<SecretsBackend> created = SecretsBackend::Create(
          (*backend)->value, kwargs->has_value() ? (*kwargs)->value : "");
      if (!created.ok()) return Prefixed(label, created.status());
      backend_ = *std::move(created);
    }
    absl::StatusOr<std::optional<std::string>> value = backend_->GetConfig(name);
    if (!value.ok()) return Prefixed(label, value.status());
    if (!value->has_value()) {
      return absl::NotFoundError(absl::StrCat(
          label, " asks ", backend_->Describe(), " for config \"", name,
          "\", which it does not have (Airflow would fall back to the default); add it there or "
          "fix the name"));
    }
    return **value;
  }

  const IniFile& ini_;
  const Environment& env_;
  CommandRunner run_;
  AirflowConfig* config_;
  std::map<Key, std::optional<Entry>> done_;
  std::set<Key> in_progress_;
  std::optional<SecretsBackend> backend_;
};

std::string AirflowConfig::AirflowHome() {
  const Environment env = ProcessEnvironment();
  auto it = env.find("AIRFLOW_HOME");
  const std::string home = it != env.end() && !it->second.empty() ? it->second : "~/airflow";
  absl::StatusOr<std::string> expanded = ExpandEnvVar(home, env);
  return expanded.ok() ? *expanded : home;
}

std::string AirflowConfig::ConfigFilePath() {
  const Environment env = ProcessEnvironment();
  if (auto it = env.find("AIRFLOW_CONFIG"); it != env.end() && !it->second.empty()) {
    absl::StatusOr<std::string> expanded = ExpandEnvVar(it->second, env);
    return expanded.ok() ? *expanded : it->second;
  }
  const std::string home = AirflowHome();
  return absl::StrCat(home, absl::EndsWith(home, "/") ? "" : "/", "airflow.cfg");
}

absl::StatusOr<AirflowConfig> AirflowConfig::Load() {
  const std::string path = ConfigFilePath();
  std::string text;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno != ENOENT) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read ", path, ": ", std::strerror(errno), "; check its permissions (or point "
        "AIRFLOW_CONFIG at the right file)"));
  }
  if (fd >= 0) {
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      close(fd);
      return absl::FailedPreconditionError(absl::StrCat(
          path, " is a directory; AIRFLOW_CONFIG (or $AIRFLOW_HOME/airflow.cfg) must be the "
                "configuration file itself"));
    }
    char buffer[65536];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof(buffer))) != 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int error = errno;
        close(fd);
        return absl::FailedPreconditionError(
            absl::StrCat("cannot read ", path, ": ", std::strerror(error)));
      }
      text.append(buffer, static_cast<size_t>(n));
    }
    close(fd);
  }
  AirflowConfigOptions options;
  options.file_path = path;
  return FromText(text, ProcessEnvironment(), options);
}

absl::StatusOr<AirflowConfig> AirflowConfig::FromText(
    const std::string& ini_text, const std::map<std::string, std::string>& env) {
  return FromText(ini_text, env, AirflowConfigOptions());
}

absl::StatusOr<AirflowConfig> AirflowConfig::FromText(
    const std::string& ini_text, const std::map<std::string, std::string>& env,
    const AirflowConfigOptions& options) {
  absl::StatusOr<IniFile> ini = IniFile::Parse(ini_text, options.file_path);
  if (!ini.ok()) return ini.status();
  AirflowConfig config;
  config.file_path_ = options.file_path;
  ConfigResolver resolver(*ini, env, options.run_command ? options.run_command : RunConfigCommand,
                          &config);
  if (absl::Status s = resolver.ResolveAll(); !s.ok()) return s;
  return config;
}

std::optional<std::string> AirflowConfig::Get(const std::string& section,
                                              const std::string& key) const {
  auto it = values_.find({Lower(section), Lower(key)});
  if (it == values_.end()) return std::nullopt;
  return it->second.value;
}

std::optional<ConfigSource> AirflowConfig::SourceOf(const std::string& section,
                                                    const std::string& key) const {
  auto it = values_.find({Lower(section), Lower(key)});
  if (it == values_.end()) return std::nullopt;
  return it->second.source;
}

std::vector<ConfigOption> AirflowConfig::List() const {
  std::vector<ConfigOption> options;
  for (const auto& [key, entry] : values_) {
    const std::string fed = FedOption(key.second);
    if (!fed.empty() && IsSensitive(key.first, fed)) continue;
    options.push_back(ConfigOption{key.first, key.second, entry.value, entry.cfg_value,
                                   entry.source, IsSensitive(key.first, key.second)});
  }
  return options;
}

std::vector<ConfigOption> AirflowConfig::DefaultOptions() {
  std::vector<ConfigOption> options;
  for (const auto& [key, value] : Defaults()) {
    options.push_back(ConfigOption{key.first, key.second, value, CfgForm(value),
                                   {ConfigSource::Kind::kDefault, ""},
                                   IsSensitive(key.first, key.second)});
  }
  return options;
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
  // AirflowConfigParser.getboolean: lower-cased, stripped, anything after '#' dropped.
  std::string v = Lower(std::string(absl::StripAsciiWhitespace(*value)));
  if (size_t hash = v.find('#'); hash != std::string::npos) {
    v = std::string(absl::StripAsciiWhitespace(v.substr(0, hash)));
  }
  if (v == "true" || v == "t" || v == "1" || v == "yes" || v == "y" || v == "on") return true;
  if (v == "false" || v == "f" || v == "0" || v == "no" || v == "n" || v == "off") return false;
  return absl::InvalidArgumentError(absl::StrCat("[", section, "] ", key,
                                                 " must be True or False, got \"", *value, "\""));
}

void AirflowConfig::Set(const std::string& section, const std::string& key,
                        const std::string& value) {
  values_[{Lower(section), Lower(key)}] =
      Entry{value, CfgForm(value), {ConfigSource::Kind::kOverride, ""}};
}

}  // namespace edgectl
