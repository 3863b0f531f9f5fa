#include "common/config_command.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/airflow_config.h"

namespace edgectl {
namespace {

// What AirflowConfigParser.as_dict() shows for a sensitive value.
constexpr char kHidden[] = "< hidden >";

struct GetValueFlags {
  std::string section;
  std::string option;
  bool verbose = false;
};

struct ListFlags {
  std::string section;
  std::string color = "auto";
  bool include_sources = false;
  bool include_env_vars = false;
  bool comment_out_everything = false;
  bool defaults = false;
  bool include_descriptions = false;
  bool include_examples = false;
  bool exclude_providers = false;
  bool verbose = false;
};

std::string CommandPath(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) names.push_back(a->get_name());
  std::reverse(names.begin(), names.end());
  return absl::StrJoin(names, " ");
}

// argparse's error() as Airflow's parser overrides it: help on stdout, then the problem.
int UsageError(const CLI::App* command, const std::string& problem) {
  std::cout << command->help() << std::flush;
  std::cerr << "\n" << CommandPath(command) << " command error: " << problem
            << ", see help above.\n";
  return 2;
}

// Arguments CLI11 could not place (allow_extras), reported as argparse does.
bool HasExtras(const CLI::App* command, int* exit_code) {
  std::vector<std::string> extras = command->remaining();
  if (extras.empty()) return false;
  *exit_code = UsageError(command, "unrecognized arguments: " + absl::StrJoin(extras, " "));
  return true;
}

// Loads the configuration, printing the error (exit 1) or the warnings.
std::unique_ptr<AirflowConfig> LoadOrReport(const std::string& command) {
  absl::StatusOr<AirflowConfig> config = AirflowConfig::Load();
  if (!config.ok()) {
    std::cerr << command << ": " << config.status().message() << "\n";
    return nullptr;
  }
  for (const std::string& warning : config->Warnings()) {
    std::cerr << command << ": warning: " << warning << "\n";
  }
  return std::make_unique<AirflowConfig>(*std::move(config));
}

int GetValue(const GetValueFlags& flags) {
  std::unique_ptr<AirflowConfig> config = LoadOrReport("edgectl config get-value");
  if (config == nullptr) return 1;
  std::optional<std::string> value = config->Get(flags.section, flags.option);
  if (!value.has_value()) {
    std::cerr << "The option [" << flags.section << "/" << flags.option
              << "] is not found in config.\n";
    return 1;
  }
  std::cout << *value << "\n";
  return 0;
}

// `key = value` as AirflowConfigParser.write() prints it; continuation lines are indented so
// the output stays valid airflow.cfg.
std::string OptionLine(const ConfigOption& option, bool commented) {
  std::string value = option.sensitive && !option.value.empty() ? kHidden : option.cfg_value;
  std::vector<std::string> lines = absl::StrSplit(value, '\n');
  if (commented) return absl::StrCat("# ", option.key, " = ", absl::StrJoin(lines, "\n# "), "\n");
  std::string out = absl::StrCat(option.key, " = ", lines.front());
  for (size_t i = 1; i < lines.size(); ++i) {
    absl::StrAppend(&out, "\n", lines[i].empty() ? "" : "    ", lines[i]);
  }
  return out + "\n";
}

std::string Render(const std::vector<ConfigOption>& options, const ListFlags& flags) {
  const std::string only = absl::AsciiStrToLower(flags.section);
  const bool commented = flags.comment_out_everything || flags.defaults;
  std::string out;
  std::string current;
  for (const ConfigOption& option : options) {
    if (!only.empty() && option.section != only) continue;
    if (option.section != current) {
      current = option.section;
      absl::StrAppend(&out, "[", current, "]\n");
    }
    bool separate = false;
    if (flags.include_sources && !flags.defaults) {
      const ConfigSource& s = option.source;
      absl::StrAppend(&out, "#\n# Source: ", s.AirflowLabel(),
                      s.where.empty() ? "" : absl::StrCat(" (", s.where, ")"), "\n");
      separate = true;
    }
    if (flags.include_env_vars || flags.defaults) {
      absl::StrAppend(&out, "#\n# Variable: AIRFLOW__", absl::AsciiStrToUpper(option.section), "__",
                      absl::AsciiStrToUpper(option.key), "\n#\n");
      separate = true;
    }
    absl::StrAppend(&out, OptionLine(option, commented));
    if (separate) out += "\n";
  }
  return out;
}

int List(const ListFlags& flags) {
  std::unique_ptr<AirflowConfig> config = LoadOrReport("edgectl config list");
  if (config == nullptr) return 1;
  std::vector<ConfigOption> options;
  if (flags.defaults) {
    for (const ConfigOption& option : AirflowConfig::DefaultOptions()) options.push_back(option);
  } else {
    options = config->List();
  }
  std::cout << Render(options, flags) << "\n";  // Airflow print()s the text: one more newline
  return 0;
}

void AddGetValue(CLI::App* config, cli::CliContext& context) {
  auto flags = std::make_shared<GetValueFlags>();
  CLI::App* cmd = config->add_subcommand("get-value", "Print the value of the configuration");
  cmd->allow_extras();
  cmd->add_option("section", flags->section, "The section name");
  cmd->add_option("option", flags->option, "The option name");
  cmd->add_flag("-v,--verbose", flags->verbose, "Make logging output more verbose");
  cmd->callback([cmd, flags, &context] {
    if (HasExtras(cmd, &context.exit_code)) return;
    std::vector<std::string> missing;
    if (cmd->get_option("section")->count() == 0) missing.push_back("section");
    if (cmd->get_option("option")->count() == 0) missing.push_back("option");
    if (!missing.empty()) {
      context.exit_code = UsageError(
          cmd, "the following arguments are required: " + absl::StrJoin(missing, ", "));
      return;
    }
    context.exit_code = GetValue(*flags);
  });
}

void AddList(CLI::App* config, cli::CliContext& context) {
  auto flags = std::make_shared<ListFlags>();
  CLI::App* cmd = config->add_subcommand("list", "List options for the configuration");
  cmd->allow_extras();
  // expected(0, 1) so that a bare --section reaches the callback and gets argparse's message.
  CLI::Option* section =
      cmd->add_option("--section", flags->section, "The section name")->expected(0, 1);
  cmd->add_option("--color", flags->color, "Do emit colored output (default: auto)");
  cmd->add_flag("-d,--include-descriptions", flags->include_descriptions,
                "Show descriptions for the configuration variables (edgectl has none)");
  cmd->add_flag("-e,--include-examples", flags->include_examples,
                "Show examples for the configuration variables (edgectl has none)");
  cmd->add_flag("-s,--include-sources", flags->include_sources,
                "Show source of the configuration variable");
  cmd->add_flag("-V,--include-env-vars", flags->include_env_vars,
                "Show environment variable for each option");
  cmd->add_flag("-c,--comment-out-everything", flags->comment_out_everything,
                "Comment out all configuration options. Useful as starting point for new "
                "installation");
  cmd->add_flag("-p,--exclude-providers", flags->exclude_providers,
                "Exclude provider configuration (accepted; edgectl lists what it reads)");
  cmd->add_flag("-a,--defaults", flags->defaults,
                "Show only defaults - do not include local configuration, sources, includes "
                "descriptions, examples, variables. Comment out everything.");
  cmd->add_flag("-v,--verbose", flags->verbose, "Make logging output more verbose");
  cmd->callback([cmd, section, flags, &context] {
    if (HasExtras(cmd, &context.exit_code)) return;
    if (section->count() > 0 && flags->section.empty()) {
      context.exit_code = UsageError(cmd, "argument --section: expected one argument");
      return;
    }
    if (flags->color != "auto" && flags->color != "on" && flags->color != "off") {
      context.exit_code = UsageError(
          cmd, absl::StrCat("argument --color: invalid choice: '", flags->color,
                            "' (choose from 'auto', 'off', 'on')"));
      return;
    }
    context.exit_code = List(*flags);
  });
}

}  // namespace

void AddConfigCommands(CLI::App& app, cli::CliContext& context) {
  CLI::App* config = app.add_subcommand("config", "View configuration");
  config->allow_extras();
  AddGetValue(config, context);
  AddList(config, context);
  config->callback([config, &context] {
    if (!config->get_subcommands().empty()) return;
    std::vector<std::string> extras = config->remaining();
    context.exit_code = UsageError(
        config, extras.empty()
                    ? std::string("the following arguments are required: COMMAND")
                    : absl::StrCat("argument COMMAND: invalid choice: '", extras.front(),
                                   "' (choose from 'get-value', 'list')"));
  });
}

}  // namespace edgectl
