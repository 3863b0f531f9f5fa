// File: controlplane/db/schema.h
//
// The edge3 tables (edge_worker, edge_job, edge_logs) exactly as the newest edge3 migrations leave
// them in Airflow's metadata database on PostgreSQL. This is the single place the DDL lives: the
// test fixture, the demo and `edgectl db init` all create the schema from here, and
// `edgectl db check` compares a live database against ExpectedColumns()/ExpectedIndexes().
//
// Target: edge3 provider 5.0.0 (migration head cd96a0a0e458, plus the priority_weight column and
// the priority-ordered rj_order index of revision d5a2f8b41c07). See docs/ARCHITECTURE.md.
#ifndef EDGECTL_CONTROLPLANE_DB_SCHEMA_H_
#define EDGECTL_CONTROLPLANE_DB_SCHEMA_H_

#include <string>
#include <vector>

namespace edgectl::db {

// The alembic revision `edgectl db init` records in alembic_version_edge3, so that Airflow's
// EdgeDBManager treats the schema as current instead of re-creating it.
inline constexpr char kEdge3AlembicHead[] = "cd96a0a0e458";
inline constexpr char kEdge3ProviderVersion[] = "5.0.0";

// Idempotent statements (CREATE ... IF NOT EXISTS) creating the three tables, their indexes and the
// alembic version row. Run them in order inside one transaction.
const std::vector<std::string>& SchemaStatements();

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

const std::vector<ColumnSpec>& ExpectedColumns();
const std::vector<IndexSpec>& ExpectedIndexes();

}  // namespace edgectl::db

#endif  // EDGECTL_CONTROLPLANE_DB_SCHEMA_H_
