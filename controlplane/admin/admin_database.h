// File: controlplane/admin/admin_database.h
//
// Where the central admin commands find Airflow's metadata database, as Airflow does:
// `--sql-alchemy-conn` if given, else [database] sql_alchemy_conn (airflow.cfg or
// AIRFLOW__DATABASE__SQL_ALCHEMY_CONN). Unset is edge3's "The database connection is not set"
// error. Connection failures are UNAVAILABLE and name host, port, database and user, never the
// password (it is also scrubbed from libpq's own message, should libpq ever echo it).
#ifndef EDGECTL_CONTROLPLANE_ADMIN_ADMIN_DATABASE_H_
#define EDGECTL_CONTROLPLANE_ADMIN_ADMIN_DATABASE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/airflow_config.h"
#include "common/database_url.h"
#include "pqxx/pqxx"

namespace edgectl::admin {

// `flag_value` empty: not given on the command line.
absl::StatusOr<DatabaseUrl> ResolveAirflowDatabase(const AirflowConfig& config,
                                                   const std::string& flag_value);

// Connects with a 10 s connect_timeout unless the URL sets one.
absl::StatusOr<std::unique_ptr<pqxx::connection>> ConnectToAirflowDatabase(const DatabaseUrl& url);

}  // namespace edgectl::admin

#endif  // EDGECTL_CONTROLPLANE_ADMIN_ADMIN_DATABASE_H_
