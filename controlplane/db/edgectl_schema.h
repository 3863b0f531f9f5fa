// File: controlplane/db/edgectl_schema.h
//
// edgectl's own tables in Airflow's metadata database, beside (never inside) edge3's tables,
// whose shape stays exactly Airflow's. Names start with "edgectl_" so they cannot collide with
// Airflow's. `edgectl db init` creates them (CreateSchema), `edgectl db check` checks them
// (CheckSchema), and removing them leaves edge3 untouched.
//   edgectl_worker_token   per-worker tokens: SHA-256 of the token, the worker it names, when
//                          it was issued (controlplane/auth/worker_token.h)
#ifndef EDGECTL_CONTROLPLANE_DB_EDGECTL_SCHEMA_H_
#define EDGECTL_CONTROLPLANE_DB_EDGECTL_SCHEMA_H_

#include <string>
#include <vector>

#include "controlplane/db/schema.h"

namespace edgectl::db {

// Idempotent statements creating edgectl's tables; run after SchemaStatements().
const std::vector<std::string>& EdgectlSchemaStatements();
const std::vector<std::string>& EdgectlTables();
const std::vector<ColumnSpec>& EdgectlExpectedColumns();

}  // namespace edgectl::db

#endif  // EDGECTL_CONTROLPLANE_DB_EDGECTL_SCHEMA_H_
