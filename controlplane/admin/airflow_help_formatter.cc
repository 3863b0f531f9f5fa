#include "controlplane/admin/airflow_help_formatter.h"

#include <memory>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace edgectl::admin {
namespace {

constexpr char kHelpText[] = "show this help message and exit";

// Flags (-y, -v, -h) have no type name.
bool TakesValue(const CLI::Option* opt) {
  return opt->get_type_size() != 0 && !opt->get_type_name().empty();
}

bool TakesMany(const CLI::Option* opt) {
  return opt->get_expected_max() == CLI::detail::expected_max_vector_size;
}

std::string Metavar(const CLI::Option* opt) {
  static const std::set<std::string> kGenericTypes = {"TEXT", "INT", "UINT", "FLOAT", "NUMBER",
                                                      "BOOLEAN", "ENUM"};
  std::string name = opt->get_type_name();
  if (kGenericTypes.count(name) > 0) {
    std::string long_name = opt->get_lnames().empty() ? opt->get_name() : opt->get_lnames()[0];
    name = absl::AsciiStrToUpper(absl::StrReplaceAll(long_name, {{"-", "_"}}));
  }
  return TakesMany(opt) ? absl::StrCat(name, " [", name, " ...]") : name;
}

// "-o (table, json, yaml, plain)" / "-y": the first name as argparse's usage line shows it.
std::string UsageTerm(const CLI::Option* opt) {
  std::string flag = opt->get_snames().empty() ? "--" + opt->get_lnames().at(0)
                                               : "-" + opt->get_snames()[0];
  return TakesValue(opt) ? absl::StrCat(flag, " ", Metavar(opt)) : flag;
}

std::string CommandPath(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    names.insert(names.begin(), a->get_name());
  }
  return absl::StrJoin(names, " ");
}

}  // namespace

AirflowHelpFormatter::AirflowHelpFormatter() {
  column_width(24);  // argparse's max_help_position
  label("REQUIRED", "");
}

std::string AirflowHelpFormatter::make_help(const CLI::App* app, std::string name,
                                            CLI::AppFormatMode mode) const {
  if (mode == CLI::AppFormatMode::Sub) return make_expanded(app);
  std::stringstream out;
  out << make_usage(app, name) << "\n" << app->get_description() << "\n";
  out << make_positionals(app) << make_groups(app, mode) << make_subcommands(app, mode);
  return out.str();
}

std::string AirflowHelpFormatter::make_usage(const CLI::App* app, std::string) const {
  std::vector<std::string> terms = {"usage: " + CommandPath(app)};
  for (const CLI::Option* opt :
       app->get_options([](const CLI::Option* o) { return o->nonpositional(); })) {
    terms.push_back(opt->get_required() ? UsageTerm(opt) : "[" + UsageTerm(opt) + "]");
  }
  std::vector<std::string> subcommands;
  for (const CLI::App* sub : app->get_subcommands({})) subcommands.push_back(sub->get_name());
  if (!subcommands.empty()) terms.push_back("{" + absl::StrJoin(subcommands, ",") + "} ...");
  return absl::StrJoin(terms, " ") + "\n";
}

std::string AirflowHelpFormatter::make_group(std::string group, bool is_positional,
                                             std::vector<const CLI::Option*> opts) const {
  std::stringstream out;
  out << "\n" << absl::AsciiStrToLower(group) << ":\n";
  for (const CLI::Option* opt : opts) out << make_option(opt, is_positional);
  return out.str();
}

std::string AirflowHelpFormatter::make_option_name(const CLI::Option* opt,
                                                   bool is_positional) const {
  if (is_positional) return opt->get_name(true, false);
  std::vector<std::string> names;
  for (const std::string& s : opt->get_snames()) names.push_back("-" + s);
  for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
  std::string out = absl::StrJoin(names, ", ");
  return TakesValue(opt) ? absl::StrCat(out, " ", Metavar(opt)) : out;
}

std::string AirflowHelpFormatter::make_option_opts(const CLI::Option*) const { return ""; }

void UseAirflowHelp(CLI::App* command) {
  static const auto formatter = std::make_shared<AirflowHelpFormatter>();
  command->formatter(formatter);
  if (CLI::Option* help = command->get_help_ptr(); help != nullptr) help->description(kHelpText);
  for (CLI::App* sub : command->get_subcommands({})) UseAirflowHelp(sub);
}

}  // namespace edgectl::admin
