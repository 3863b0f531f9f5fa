// File: common/database_url.h
//
// Airflow names its metadata database with a SQLAlchemy URL ([database] sql_alchemy_conn), e.g.
// `postgresql+psycopg2://user:p%40ss@db.example:5432/airflow?sslmode=require`; libpq wants a
// keyword/value string. ParseDatabaseUrl accepts the SQLAlchemy form (any `postgresql+driver`
// or `postgres` scheme, percent-encoded user and password, query parameters passed through, a
// unix-socket `host=` query) and also a libpq string as is.
//
// The password never leaves this struct except through libpq_dsn(): Describe() is what error
// messages and --verbose output print.
#ifndef EDGECTL_COMMON_DATABASE_URL_H_
#define EDGECTL_COMMON_DATABASE_URL_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace edgectl {

struct DatabaseUrl {
  std::string host;
  std::string port;
  std::string user;
  std::string password;
  std::string dbname;
  std::map<std::string, std::string> options;  // sslmode, connect_timeout, ...

  // Keyword/value connection string for libpq, values quoted as libpq requires.
  std::string libpq_dsn() const;
  // "host db.example port 5432 database airflow user airflow": safe to print.
  std::string Describe() const;
};

absl::StatusOr<DatabaseUrl> ParseDatabaseUrl(const std::string& url);

// The warning for a --sql-alchemy-conn flag that carries a password (every user of the machine
// sees a command line in `ps`), or "" when it carries none. Never contains the password.
std::string PasswordOnCommandLineWarning(const std::string& flag_value);

}  // namespace edgectl

#endif  // EDGECTL_COMMON_DATABASE_URL_H_
