// File: controlplane/db/schema_installer.h
//
// Creates the edge3 schema (CreateSchema, idempotent: existing tables are left alone) and compares
// a live database with the schema edgectl expects (CheckSchema). Both work on any libpq
// connection string; errors come back as absl::Status (see pg_status.h).
#ifndef EDGECTL_CONTROLPLANE_DB_SCHEMA_INSTALLER_H_
#define EDGECTL_CONTROLPLANE_DB_SCHEMA_INSTALLER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pqxx/pqxx"

namespace edgectl::db {

absl::Status CreateSchema(pqxx::connection& conn);

// Returns one human-readable line per difference ("edge_job.command: type is character
// varying(2048), expected text"); an empty list means the schema matches.
absl::StatusOr<std::vector<std::string>> CheckSchema(pqxx::connection& conn);

}  // namespace edgectl::db

#endif  // EDGECTL_CONTROLPLANE_DB_SCHEMA_INSTALLER_H_
