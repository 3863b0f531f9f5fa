// File: controlplane/admin/central_command.h
//
// What every central admin command shares: the database flags (--sql-alchemy-conn, -v/--verbose),
// connecting (admin_database.h), and turning an absl::Status into edge3's console behaviour:
// "Error: <message>" on stderr (for CANCELLED the message alone) and exit code 1 (edge3 >= 4.3.0
// exits non-zero on every admin failure). Success messages go to stdout, as Airflow's console log
// handler prints them.
#ifndef EDGECTL_CONTROLPLANE_ADMIN_CENTRAL_COMMAND_H_
#define EDGECTL_CONTROLPLANE_ADMIN_CENTRAL_COMMAND_H_

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <pqxx/pqxx>

#include "absl/status/status.h"

namespace edgectl::admin {

struct CentralFlags {
  std::string sql_alchemy_conn;
  bool verbose = false;
};

void AddCentralFlags(CLI::App* command, CentralFlags* flags);

// Connects as the flags say and runs `body`; returns the process exit code (0 or 1), having
// printed any error.
int RunCentral(const CentralFlags& flags,
               const std::function<absl::Status(pqxx::connection&)>& body);

// The login name, as Python's getpass.getuser() finds it (LOGNAME, USER, LNAME, USERNAME, passwd).
std::string CurrentUser();

// edge3's `args.queues.split(",")`.
std::vector<std::string> SplitQueueList(const std::string& comma_list);

}  // namespace edgectl::admin

#endif  // EDGECTL_CONTROLPLANE_ADMIN_CENTRAL_COMMAND_H_
