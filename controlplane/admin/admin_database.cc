#include "controlplane/admin/admin_database.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace edgectl::admin {

absl::StatusOr<DatabaseUrl> ResolveAirflowDatabase(const AirflowConfig& config,
                                                   const std::string& flag_value) {
  std::string url = flag_value;
  if (url.empty()) url = config.GetOr("database", "sql_alchemy_conn", "");
  if (url.empty()) {
    return absl::FailedPreconditionError(
        "The database connection is not set. Please set the connection in the configuration "
        "file ([database] sql_alchemy_conn in airflow.cfg or "
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN), or pass --sql-alchemy-conn.");
  }
  absl::StatusOr<DatabaseUrl> parsed = ParseDatabaseUrl(url);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("[database] sql_alchemy_conn: ", parsed.status().message()));
  }
  return parsed;
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> ConnectToAirflowDatabase(const DatabaseUrl& url) {
  DatabaseUrl with_timeout = url;
  with_timeout.options.emplace("connect_timeout", "10");
  try {
    return std::make_unique<pqxx::connection>(with_timeout.libpq_dsn());
  } catch (const std::exception& e) {
    std::string reason(absl::StripTrailingAsciiWhitespace(e.what()));
    reason = absl::StrReplaceAll(reason, {{"\n\t", " "}, {"\n", " "}});
    if (!url.password.empty()) {
      reason = absl::StrReplaceAll(reason, {{url.password, "***"}});
    }
    return absl::UnavailableError(absl::StrCat(
        "cannot connect to the Airflow metadata database at ", url.Describe(), ": ", reason,
        " - check that PostgreSQL is running there and [database] sql_alchemy_conn"));
  }
}

}  // namespace edgectl::admin
