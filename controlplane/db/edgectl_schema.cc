#include "controlplane/db/edgectl_schema.h"

namespace edgectl::db {

const std::vector<std::string>& EdgectlSchemaStatements() {
  static const std::vector<std::string>* statements = new std::vector<std::string>{
      R"sql(CREATE TABLE IF NOT EXISTS edgectl_worker_token (
    token_sha256 CHAR(64) NOT NULL,
    worker_name VARCHAR(64) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    PRIMARY KEY (token_sha256)
))sql",
      "CREATE INDEX IF NOT EXISTS edgectl_worker_token_worker ON edgectl_worker_token "
      "(worker_name)",
  };
  return *statements;
}

const std::vector<std::string>& EdgectlTables() {
  static const std::vector<std::string>* tables =
      new std::vector<std::string>{"edgectl_worker_token"};
  return *tables;
}

const std::vector<ColumnSpec>& EdgectlExpectedColumns() {
  static const std::vector<ColumnSpec>* columns = new std::vector<ColumnSpec>{
      {"edgectl_worker_token", "token_sha256", "character", 64, false, ""},
      {"edgectl_worker_token", "worker_name", "character varying", 64, false, ""},
      {"edgectl_worker_token", "created_at", "timestamp with time zone", 0, false, "now()"},
  };
  return *columns;
}

}  // namespace edgectl::db
