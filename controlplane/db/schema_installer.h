// File: controlplane/db/schema_installer.h
//
// `edgectl db init` (CreateSchema) and `edgectl db check` (CheckSchema) on any libpq connection.
//
// CreateSchema never writes a stamp Airflow's migrations would not: it creates the edge3 tables,
// at HeadRevision() and stamped with it, only on a database that has none of them and no
// alembic_version_edge3; a database already at a supported revision is left exactly as it is;
// anything else (tables without a stamp, some tables only, an unsupported stamp) is refused with
// FAILED_PRECONDITION and nothing is changed. edgectl's own tables (edgectl_schema.h) are created
// whenever the edge3 schema is servable. Concurrent runs serialise on an advisory lock.
//
// CheckSchema compares the database with the schema of the revision it is stamped with and
// reports the revision found.
#ifndef EDGECTL_CONTROLPLANE_DB_SCHEMA_INSTALLER_H_
#define EDGECTL_CONTROLPLANE_DB_SCHEMA_INSTALLER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controlplane/db/schema_revision.h"
#include "pqxx/pqxx"

namespace edgectl::db {

struct InitResult {
  const Edge3Revision* revision = nullptr;  // the revision the edge3 tables are at now
  bool created_edge3_tables = false;        // false: they were there already (left alone)
};

absl::StatusOr<InitResult> CreateSchema(pqxx::connection& conn);

// For test fixtures and the demo: creates the edge3 tables as `revision` has them (optionally
// plus the unreleased priority_weight variant, schema.h) on a database without them, and
// edgectl's tables.
absl::Status CreateSchemaAt(pqxx::connection& conn, const Edge3Revision& revision,
                            bool priority_weight_variant);

struct SchemaCheck {
  DetectedSchema detected;
  // Why edgectl cannot serve this database (unsupported or missing stamp, missing tables), one
  // line; empty when it can.
  std::string unservable;
  // One human-readable line per difference from the stamped revision's schema ("edge_job.command:
  // type is character varying(2048), expected text").
  std::vector<std::string> problems;
  // Accepted, but worth knowing (the unreleased priority_weight column).
  std::vector<std::string> notes;

  bool ok() const { return unservable.empty() && problems.empty(); }
};

absl::StatusOr<SchemaCheck> CheckSchema(pqxx::connection& conn);

}  // namespace edgectl::db

#endif  // EDGECTL_CONTROLPLANE_DB_SCHEMA_INSTALLER_H_
