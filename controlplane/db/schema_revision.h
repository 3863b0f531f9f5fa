// File: controlplane/db/schema_revision.h
//
// edgectl's compatibility window with edge3: which alembic revisions of the edge3 schema (the row
// in alembic_version_edge3) it serves, and what each means for the tables. The facts of every
// revision live in one table (SupportedRevisions(), KnownUnsupportedRevisions()); the DDL
// (schema.h), `edgectl db init` / `db check` (schema_installer.h) and the sidecar's SQL
// (pg_sidecar_store.h) all read them from here.
//
// DetectSchema() reads what a live database has (the stamp, which edge3 tables exist, the
// columns that differ between revisions); CheckServable() says whether edgectl can serve it and,
// if not, names the revision found and the supported ones. Only revisions Airflow's own
// migrations write are supported: a database is never expected to carry a stamp Airflow would
// not have written.
#ifndef EDGECTL_CONTROLPLANE_DB_SCHEMA_REVISION_H_
#define EDGECTL_CONTROLPLANE_DB_SCHEMA_REVISION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pqxx/pqxx"

namespace edgectl::db {

// One alembic revision of edge3's migrations (providers/edge3/.../migrations/versions/).
struct Edge3Revision {
  std::string revision;           // alembic_version_edge3.version_num
  std::string provider_versions;  // the edge3 releases whose head it is, e.g. "5.0.x-5.1.x"
  // edge_job.task_instance_id (VARCHAR(36) NOT NULL DEFAULT '') and the six-column primary key
  // (f2a4b6c8d0e1); without it jobs are keyed by their five coordinates.
  bool task_instance_id = false;
  // edge_job.command TEXT (cd96a0a0e458); VARCHAR(2048) before.
  bool command_text = false;
  // Why it is not served (only for KnownUnsupportedRevisions()).
  std::string unsupported_because;
};

// Oldest first; back() is the newest, the one `edgectl db init` creates.
const std::vector<Edge3Revision>& SupportedRevisions();
const Edge3Revision& HeadRevision();
// Revisions edgectl knows but does not serve (older releases, an unreleased branch).
const std::vector<Edge3Revision>& KnownUnsupportedRevisions();
// The supported revision with this id, or nullptr.
const Edge3Revision* FindSupportedRevision(const std::string& revision);
// "c6b3c3d093fd (edge3 3.5.0-4.3.x), ..." for messages.
std::string SupportedRevisionsText();

// What a live database holds, as far as the window is concerned.
struct DetectedSchema {
  bool version_table = false;          // alembic_version_edge3 exists
  std::vector<std::string> stamps;     // its rows (alembic writes one per head)
  std::vector<std::string> edge_tables;  // which of edge_worker, edge_job, edge_logs exist
  bool has_task_instance_id = false;   // edge_job.task_instance_id exists
  bool has_priority_weight = false;    // edge_job.priority_weight exists (see schema.h)
  const Edge3Revision* revision = nullptr;  // the supported revision stamped, if exactly one

  bool NoEdgeTables() const { return edge_tables.empty(); }
  bool AllEdgeTables() const { return edge_tables.size() == 3; }
  // "cd96a0a0e458", "none", or "a, b" for several heads.
  std::string StampText() const;
};

absl::StatusOr<DetectedSchema> DetectSchema(pqxx::connection& conn);
// The same inside a transaction of the caller's (libpqxx exceptions propagate).
DetectedSchema DetectSchemaIn(pqxx::transaction_base& tx);

// OK when the three tables exist, the stamp is exactly one supported revision and edge_job's
// task_instance_id column agrees with it; FAILED_PRECONDITION otherwise, naming what was found,
// the supported revisions and what to do.
absl::Status CheckServable(const DetectedSchema& schema);

}  // namespace edgectl::db

#endif  // EDGECTL_CONTROLPLANE_DB_SCHEMA_REVISION_H_
