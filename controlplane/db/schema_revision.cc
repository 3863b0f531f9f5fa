#include "controlplane/db/schema_revision.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controlplane/db/pg_status.h"

namespace edgectl::db {

// Read from edge3's migration files and docs/migrations-ref.rst; which release first shipped a
// revision from the provider's changelog (5.2.0: "changes edge_job.command from VARCHAR(2048)
// to TEXT"). See README.md, "Compatibility window".
const std::vector<Edge3Revision>& SupportedRevisions() {
  static const auto* revisions = new std::vector<Edge3Revision>{
      {"c6b3c3d093fd", "3.5.0-4.x", /*task_instance_id=*/false, /*command_text=*/false, ""},
      {"f2a4b6c8d0e1", "5.0.x-5.1.x", /*task_instance_id=*/true, /*command_text=*/false, ""},
      {"cd96a0a0e458", "5.2.x", /*task_instance_id=*/true, /*command_text=*/true, ""},
  };
  return *revisions;
}

const Edge3Revision& HeadRevision() { return SupportedRevisions().back(); }

const std::vector<Edge3Revision>& KnownUnsupportedRevisions() {
  static const auto* revisions = new std::vector<Edge3Revision>{
      {"9d34dfc2de06", "3.0.x-3.1.x", false, false,
       "it is older than the window (no concurrency, team_name or JSON sysinfo columns)"},
      {"b3c4d5e6f7a8", "3.2.x (partly migrated)", false, false,
       "it is older than the window (no team_name or JSON sysinfo columns)"},
      {"8c275b6fbaa8", "3.2.x-3.3.x", false, false,
       "it is older than the window (no team_name or JSON sysinfo columns)"},
      {"a09c3ee8e1d3", "3.4.x", false, false,
       "it is older than the window (sysinfo is not yet a JSON column)"},
      {"d5a2f8b41c07", "none (an unreleased priority_weight migration)", false, false,
       "no edge3 release writes it; Airflow's own migrations cannot continue from it"},
  };
  return *revisions;
}

const Edge3Revision* FindSupportedRevision(const std::string& revision) {
  for (const Edge3Revision& r : SupportedRevisions()) {
    if (r.revision == revision) return &r;
  }
  return nullptr;
}

std::string SupportedRevisionsText() {
  return absl::StrJoin(SupportedRevisions(), ", ", [](std::string* out, const Edge3Revision& r) {
    absl::StrAppend(out, r.revision, " (edge3 ", r.provider_versions, ")");
  });
}

std::string DetectedSchema::StampText() const {
  return stamps.empty() ? "none" : absl::StrJoin(stamps, ", ");
}

absl::StatusOr<DetectedSchema> DetectSchema(pqxx::connection& conn) {
  return RunPg("read the edge3 schema revision", [&] {
    pqxx::read_transaction tx(conn);
    return DetectSchemaIn(tx);
  });
}

DetectedSchema DetectSchemaIn(pqxx::transaction_base& tx) {
  {
    DetectedSchema schema;
    for (const auto& row : tx.exec(
             "SELECT table_name FROM information_schema.tables WHERE table_schema = "
             "current_schema() AND table_name IN ('edge_worker', 'edge_job', 'edge_logs', "
             "'alembic_version_edge3') ORDER BY table_name")) {
      const std::string table = row[0].as<std::string>();
      if (table == "alembic_version_edge3") {
        schema.version_table = true;
      } else {
        schema.edge_tables.push_back(table);
      }
    }
    if (schema.version_table) {
      for (const auto& row :
           tx.exec("SELECT version_num FROM alembic_version_edge3 ORDER BY version_num")) {
        schema.stamps.push_back(row[0].as<std::string>());
      }
    }
    for (const auto& row : tx.exec(
             "SELECT column_name FROM information_schema.columns WHERE table_schema = "
             "current_schema() AND table_name = 'edge_job' AND column_name IN "
             "('task_instance_id', 'priority_weight')")) {
      const std::string column = row[0].as<std::string>();
      schema.has_task_instance_id |= column == "task_instance_id";
      schema.has_priority_weight |= column == "priority_weight";
    }
    if (schema.stamps.size() == 1) schema.revision = FindSupportedRevision(schema.stamps[0]);
    return schema;
  }
}

namespace {

std::string WhyUnsupported(const std::string& stamp) {
  for (const Edge3Revision& r : KnownUnsupportedRevisions()) {
    if (r.revision == stamp) {
      return absl::StrCat("revision ", stamp, " (edge3 ", r.provider_versions, ") is not served: ",
                          r.unsupported_because);
    }
  }
  return absl::StrCat("revision ", stamp,
                      " is not one edgectl knows: a newer edge3 than this edgectl supports "
                      "(upgrade edgectl), or not an edge3 revision at all");
}

}  // namespace

absl::Status CheckServable(const DetectedSchema& schema) {
  const std::string supported = absl::StrCat("edgectl serves ", SupportedRevisionsText());
  if (!schema.AllEdgeTables()) {
    std::vector<std::string> missing;
    for (const char* table : {"edge_job", "edge_logs", "edge_worker"}) {
      if (std::find(schema.edge_tables.begin(), schema.edge_tables.end(), table) ==
          schema.edge_tables.end()) {
        missing.push_back(table);
      }
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "edge3 tables missing: ", absl::StrJoin(missing, ", "),
        ": run Airflow's migrations (airflow db migrate) or, on a database without any, "
        "`edgectl db init`; ",
        supported));
  }
  if (schema.stamps.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the edge3 tables carry no alembic revision (alembic_version_edge3 is ",
        schema.version_table ? "empty" : "missing",
        "), so which edge3 schema they have is unknown: let Airflow's migrations stamp them "
        "(airflow db migrate, with the edge3 provider's EdgeDBManager enabled); ",
        supported));
  }
  if (schema.stamps.size() > 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "alembic_version_edge3 names several heads (", schema.StampText(),
        "); a released edge3 has one: merge or fix the migration history; ", supported));
  }
  if (schema.revision == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("the edge3 schema is at ", WhyUnsupported(schema.stamps[0]), "; ", supported,
                     ": upgrade the edge3 provider and run airflow db migrate"));
  }
  if (schema.has_task_instance_id != schema.revision->task_instance_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the edge3 schema is stamped ", schema.revision->revision, " (edge3 ",
        schema.revision->provider_versions, "), but edge_job ",
        schema.has_task_instance_id ? "has" : "lacks",
        " the task_instance_id column that revision ",
        schema.revision->task_instance_id ? "adds" : "does not have",
        ": the stamp does not describe the tables; see `edgectl db check`"));
  }
  return absl::OkStatus();
}

}  // namespace edgectl::db
