// File: controlplane/admin/airflow_help_formatter.h
//
// `edgectl COMMAND --help` laid out as Airflow's argparse help (AirflowHelpFormatter):
//   usage: edgectl list-workers [-h] [-o (table, json, yaml, plain)] [-s STATE [STATE ...]] ...
//
//   Query the db to list all registered edge workers.
//
//   options:
//     -h, --help            show this help message and exit
//     -o, --output (table, json, yaml, plain)
//                           Output format. Allowed values: ...
// Metavars are the option's type name when one was set (e.g. "(table, json, yaml, plain)"),
// else argparse's: the long name in upper case ("-H EDGE_HOSTNAME").
#ifndef EDGECTL_CONTROLPLANE_ADMIN_AIRFLOW_HELP_FORMATTER_H_
#define EDGECTL_CONTROLPLANE_ADMIN_AIRFLOW_HELP_FORMATTER_H_

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace edgectl::admin {

class AirflowHelpFormatter : public CLI::Formatter {
 public:
  AirflowHelpFormatter();

  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override;
  std::string make_usage(const CLI::App* app, std::string name) const override;
  std::string make_group(std::string group, bool is_positional,
                         std::vector<const CLI::Option*> opts) const override;
  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override;
  std::string make_option_opts(const CLI::Option* opt) const override;
};

// Gives `command` and its subcommands Airflow-style help (formatter and -h/--help text).
void UseAirflowHelp(CLI::App* command);

}  // namespace edgectl::admin

#endif  // EDGECTL_CONTROLPLANE_ADMIN_AIRFLOW_HELP_FORMATTER_H_
