// File: controlplane/db/schema.h
//
// The edge3 tables (edge_worker, edge_job, edge_logs) exactly as edge3's migrations leave them in
// Airflow's metadata database on PostgreSQL, at each revision of the compatibility window
// (schema_revision.h). This is the single place the DDL lives: the test fixture, the demo and
// `edgectl db init` create the schema from here, and `edgectl db check` compares a live database
// against ExpectedColumnsAt()/ExpectedIndexesAt() of the revision it is stamped with.
//
// priority_weight: edge3's main branch has carried a migration (d5a2f8b41c07) adding
// edge_job.priority_weight and a priority-ordered rj_order index, but no release's migration
// chain contains it (docs/migrations-ref.rst lists cd96a0a0e458 as head). So no revision here
// has it; PriorityWeightVariantStatements() adds it for tests of fetch ordering, and edgectl
// versions before the compatibility window created it with `db init` (db check names it).
#ifndef EDGECTL_CONTROLPLANE_DB_SCHEMA_H_
#define EDGECTL_CONTROLPLANE_DB_SCHEMA_H_

#include <string>
#include <vector>

#include "controlplane/db/schema_revision.h"

namespace edgectl::db {

// The revision `edgectl db init` creates on a database without edge3 tables.
inline constexpr char kEdge3AlembicHead[] = "cd96a0a0e458";

// Statements (CREATE ... IF NOT EXISTS) creating the three tables as `revision` has them, their
// indexes, alembic_version_edge3 and its row `revision`. Run them in order inside one
// transaction, only on a database without edge3 tables (schema_installer.h decides).
std::vector<std::string> SchemaStatementsAt(const Edge3Revision& revision);

// Adds the unreleased priority_weight column and the priority rj_order index (see above).
const std::vector<std::string>& PriorityWeightVariantStatements();

// One column as information_schema.columns describes it.
struct ColumnSpec {
  std::string table;
  std::string column;
  std::string data_type;           // information_schema data_type, e.g. "character varying"
  int max_length;                  // character_maximum_length, 0 when not applicable
  bool nullable;
  std::string column_default;      // as PostgreSQL prints it, "" when none
};

// An index as pg_indexes describes it (indexdef normalised by PostgreSQL).
struct IndexSpec {
  std::string table;
  std::string name;
  std::string definition;  // pg_indexes.indexdef with the "public." schema prefix removed
};

std::vector<ColumnSpec> ExpectedColumnsAt(const Edge3Revision& revision);
std::vector<IndexSpec> ExpectedIndexesAt(const Edge3Revision& revision);
// The column and index PriorityWeightVariantStatements() leaves.
ColumnSpec PriorityWeightColumn();
IndexSpec PriorityRjOrderIndex();

}  // namespace edgectl::db

#endif  // EDGECTL_CONTROLPLANE_DB_SCHEMA_H_
