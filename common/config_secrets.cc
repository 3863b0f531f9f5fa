#include "common/config_secrets.h"

#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace edgectl {
namespace {

// Path(file).suffix.lstrip(".").lower()
std::string Extension(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = base.rfind('.');
  if (dot == std::string::npos || dot == 0) return "";
  return absl::AsciiStrToLower(base.substr(dot + 1));
}

// airflow.utils.file.COMMENT_PATTERN (`\s*#.*`) as re.match uses it.
bool IsCommentLine(absl::string_view line) {
  size_t i = 0;
  while (i < line.size() && absl::ascii_isspace(static_cast<unsigned char>(line[i]))) ++i;
  return i < line.size() && line[i] == '#';
}

absl::StatusOr<std::map<std::string, std::string>> ParseEnvFile(const std::string& path,
                                                                const std::string& text) {
  std::map<std::string, std::vector<std::string>> values;
  std::vector<std::string> errors;
  const std::string normalized = absl::StrReplaceAll(text, {{"\r\n", "\n"}, {"\r", "\n"}});
  std::vector<absl::string_view> lines = absl::StrSplit(normalized, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();  // splitlines() drops it
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::string_view line = lines[i];
    if (line.empty() || IsCommentLine(line)) continue;
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) {
      errors.push_back(absl::StrCat("line ", i + 1, " has no '='"));
    } else if (eq == 0) {
      errors.push_back(absl::StrCat("line ", i + 1, " has an empty name"));
    } else if (eq + 1 == line.size()) {
      errors.push_back(absl::StrCat("line ", i + 1, " has an empty value"));
    } else {
      values[std::string(line.substr(0, eq))].emplace_back(line.substr(eq + 1));
    }
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "configs file ", path, " is not a valid .env file (", absl::StrJoin(errors, "; "),
        "); write one NAME=value per line"));
  }
  std::map<std::string, std::string> configs;
  for (auto& [name, list] : values) {
    if (list.size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat("configs file ", path, " sets ", name, " ",
                                                     list.size(), " times; keep one"));
    }
    configs[name] = list.front();
  }
  return configs;
}

// Airflow returns whatever JSON value the name has; edgectl needs a string, so only the value
// asked for must be one.
absl::StatusOr<std::optional<std::string>> LookUpJson(const std::string& path,
                                                      const std::string& text,
                                                      const std::string& name) {
  if (text.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("configs file ", path, " is empty"));
  }
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() quotes the text around the error, which may be a secret: give the offset only.
    return absl::InvalidArgumentError(absl::StrCat("configs file ", path,
                                                   " is not valid JSON (error at byte ", e.byte,
                                                   "); fix the file"));
  }
  if (!json.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "configs file ", path, " must hold a JSON object of {\"name\": \"value\"}"));
  }
  auto it = json.find(name);
  if (it == json.end()) return std::optional<std::string>();
  const nlohmann::json* value = &*it;
  if (value->is_array()) {
    if (value->size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat("configs file ", path, " gives ", name, " ",
                                                     value->size(), " values; keep one"));
    }
    value = &(*value)[0];
  }
  if (!value->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "configs file ", path, ": the value of ", name,
        " is not a JSON string; edgectl reads only string values, so quote it"));
  }
  return std::optional<std::string>(value->get<std::string>());
}

}  // namespace

absl::StatusOr<SecretsBackend> SecretsBackend::Create(const std::string& backend,
                                                      const std::string& backend_kwargs) {
  if (backend != kLocalFilesystemBackend) {
    return absl::UnimplementedError(absl::StrCat(
        "[secrets] backend is ", backend,
        ", a Python class edgectl cannot run; edgectl reads `_secret` options only through ",
        kLocalFilesystemBackend,
        " (configs_file_path). Use the `_cmd` variant with the backend's command-line client "
        "instead (e.g. `vault kv get -field=...`), or set the value itself"));
  }
  SecretsBackend result;
  if (!backend_kwargs.empty()) {
    nlohmann::json kwargs;
    try {
      kwargs = nlohmann::json::parse(backend_kwargs);
    } catch (const nlohmann::json::parse_error& e) {
      return absl::InvalidArgumentError(absl::StrCat(
          "[secrets] backend_kwargs is not valid JSON (error at byte ", e.byte,
          "); write a JSON object such as {\"configs_file_path\": \"/path/configs.json\"}"));
    }
    if (!kwargs.is_object()) {
      return absl::InvalidArgumentError(
          "[secrets] backend_kwargs must be a JSON object such as "
          "{\"configs_file_path\": \"/path/configs.json\"}");
    }
    auto it = kwargs.find("configs_file_path");
    if (it != kwargs.end() && !it->is_null()) {
      if (!it->is_string()) {
        return absl::InvalidArgumentError(
            "[secrets] backend_kwargs: configs_file_path must be a string (a file path)");
      }
      result.configs_file_ = it->get<std::string>();
    }
  }
  if (result.configs_file_.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        kLocalFilesystemBackend,
        " has no configs_file_path in [secrets] backend_kwargs, so it serves no config values "
        "(Airflow would silently fall back to the default); add "
        "{\"configs_file_path\": \"/path/configs.json\"}"));
  }
  return result;
}

absl::StatusOr<std::optional<std::string>> SecretsBackend::GetConfig(
    const std::string& name) const {
  const std::string ext = Extension(configs_file_);
  if (ext == "yaml" || ext == "yml") {
    return absl::UnimplementedError(absl::StrCat(
        "configs file ", configs_file_,
        " is YAML, which edgectl does not read; convert it to .json or .env (same names)"));
  }
  if (ext != "json" && ext != "env") {
    return absl::InvalidArgumentError(absl::StrCat(
        "configs file ", configs_file_,
        " must end in .env, .json, .yaml or .yml, as Airflow's LocalFilesystemBackend requires"));
  }
  std::ifstream in(configs_file_, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read configs file ", configs_file_,
        " ([secrets] backend_kwargs configs_file_path); check the path and permissions"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (ext == "json") return LookUpJson(configs_file_, text.str(), name);
  absl::StatusOr<std::map<std::string, std::string>> configs =
      ParseEnvFile(configs_file_, text.str());
  if (!configs.ok()) return configs.status();
  auto it = configs->find(name);
  if (it == configs->end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

std::string SecretsBackend::Describe() const {
  return absl::StrCat("LocalFilesystemBackend (configs file ", configs_file_, ")");
}

}  // namespace edgectl
