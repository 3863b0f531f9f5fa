#include "controlplane/admin/central_command.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "absl/strings/str_split.h"
#include "common/airflow_config.h"
#include "common/database_url.h"
#include "controlplane/admin/admin_database.h"

namespace edgectl::admin {

void AddCentralFlags(CLI::App* command, CentralFlags* flags) {
  command->add_option("--sql-alchemy-conn", flags->sql_alchemy_conn,
                      "SQLAlchemy URL of the Airflow metadata database (default: [database] "
                      "sql_alchemy_conn from airflow.cfg / AIRFLOW__DATABASE__SQL_ALCHEMY_CONN)");
  command->add_flag("-v,--verbose", flags->verbose, "Make logging output more verbose");
}

int RunCentral(const CentralFlags& flags,
               const std::function<absl::Status(pqxx::connection&)>& body) {
  if (std::string warning = PasswordOnCommandLineWarning(flags.sql_alchemy_conn); !warning.empty()) {
    std::cerr << warning << std::endl;
  }
  absl::Status status = [&]() -> absl::Status {
    absl::StatusOr<AirflowConfig> config = AirflowConfig::Load();
    if (!config.ok()) return config.status();
    absl::StatusOr<DatabaseUrl> url = ResolveAirflowDatabase(*config, flags.sql_alchemy_conn);
    if (!url.ok()) return url.status();
    if (flags.verbose) {
      std::cerr << "Using the Airflow metadata database at " << url->Describe() << std::endl;
    }
    absl::StatusOr<std::unique_ptr<pqxx::connection>> conn = ConnectToAirflowDatabase(*url);
    if (!conn.ok()) return conn.status();
    return body(**conn);
  }();
  if (status.ok()) return 0;
  std::cout.flush();
  // A declined confirmation prints just "Cancelled", as edge3's SystemExit("Cancelled").
  std::cerr << (absl::IsCancelled(status) ? "" : "Error: ") << status.message() << std::endl;
  return 1;
}

std::string CurrentUser() {
  for (const char* name : {"LOGNAME", "USER", "LNAME", "USERNAME"}) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  }
  if (const passwd* entry = getpwuid(geteuid()); entry != nullptr) return entry->pw_name;
  return std::to_string(geteuid());
}

std::vector<std::string> SplitQueueList(const std::string& comma_list) {
  if (comma_list.empty()) return {};
  return absl::StrSplit(comma_list, ',');
}

}  // namespace edgectl::admin
