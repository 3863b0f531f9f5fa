#include "controlplane/db/schema_installer.h"

#include <map>
#include <pqxx/pqxx>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "controlplane/db/edgectl_schema.h"
#include "controlplane/db/pg_status.h"
#include "controlplane/db/schema.h"

namespace edgectl::db {
namespace {

// Serialises concurrent `edgectl db init` runs on one database ("edgectl" in ASCII).
constexpr int64_t kInitLockKey = 0x6564676563746c;

using ColumnMap = std::map<std::pair<std::string, std::string>, ColumnSpec>;

std::string TypeName(const std::string& data_type, int max_length) {
  return max_length > 0 ? absl::StrCat(data_type, "(", max_length, ")") : data_type;
}

ColumnMap ReadColumns(pqxx::transaction_base& tx, const std::string& table_filter) {
  ColumnMap actual;
  for (const auto& row : tx.exec(
           "SELECT table_name, column_name, data_type, COALESCE(character_maximum_length, 0), "
           "is_nullable = 'YES', COALESCE(column_default, '') FROM information_schema.columns "
           "WHERE table_schema = current_schema() AND " + table_filter)) {
    ColumnSpec c{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                 row[3].as<int>(),         row[4].as<bool>(),        row[5].as<std::string>()};
    actual[{c.table, c.column}] = c;
  }
  return actual;
}

// edgectl's own tables: missing ones are named with the command that creates them.
void CheckEdgectlTables(pqxx::transaction_base& tx, std::vector<std::string>& problems) {
  ColumnMap actual = ReadColumns(tx, "table_name LIKE 'edgectl\\_%'");
  std::map<std::string, bool> present;
  for (const auto& [key, unused] : actual) present[key.first] = true;
  for (const std::string& table : EdgectlTables()) {
    if (!present[table]) {
      problems.push_back(absl::StrCat("edgectl's table ", table,
                                      " is missing: run `edgectl db init` (it leaves edge3's "
                                      "tables as they are)"));
    }
  }
  for (const ColumnSpec& want : EdgectlExpectedColumns()) {
    if (!present[want.table]) continue;
    auto it = actual.find({want.table, want.column});
    const std::string where = absl::StrCat(want.table, ".", want.column);
    if (it == actual.end()) {
      problems.push_back(absl::StrCat(where, ": column is missing, expected ",
                                      TypeName(want.data_type, want.max_length)));
    } else if (it->second.data_type != want.data_type ||
               it->second.max_length != want.max_length ||
               it->second.nullable != want.nullable) {
      problems.push_back(absl::StrCat(where, ": is ",
                                      TypeName(it->second.data_type, it->second.max_length),
                                      it->second.nullable ? " NULL" : " NOT NULL", ", expected ",
                                      TypeName(want.data_type, want.max_length),
                                      want.nullable ? " NULL" : " NOT NULL"));
    }
  }
}

// Column-by-column and index-by-index comparison with `revision`'s schema.
void CompareWithRevision(pqxx::transaction_base& tx, const Edge3Revision& revision,
                         SchemaCheck& check) {
  ColumnMap actual = ReadColumns(tx, "table_name IN ('edge_worker', 'edge_job', 'edge_logs')");
  std::vector<ColumnSpec> expected = ExpectedColumnsAt(revision);
  std::vector<IndexSpec> expected_indexes = ExpectedIndexesAt(revision);
  if (check.detected.has_priority_weight) {
    // Accepted beside any revision, with its index: the sidecar does not depend on it.
    expected.push_back(PriorityWeightColumn());
    for (IndexSpec& index : expected_indexes) {
      if (index.name == "rj_order") index = PriorityRjOrderIndex();
    }
    check.notes.push_back(
        "edge_job.priority_weight and the priority-ordered rj_order index come from edge3's "
        "unreleased migration d5a2f8b41c07 (edgectl's `db init` created them before the "
        "compatibility window); no released Airflow has them. Before an Airflow upgrade whose "
        "migration adds the column, drop them: DROP INDEX rj_order; ALTER TABLE edge_job DROP "
        "COLUMN priority_weight; CREATE INDEX rj_order ON edge_job (state, queued_dttm, queue)");
  }
  for (const ColumnSpec& want : expected) {
    auto it = actual.find({want.table, want.column});
    const std::string where = absl::StrCat(want.table, ".", want.column);
    if (it == actual.end()) {
      check.problems.push_back(absl::StrCat(where, ": column is missing, expected ",
                                            TypeName(want.data_type, want.max_length)));
      continue;
    }
    const ColumnSpec& got = it->second;
    if (got.data_type != want.data_type || got.max_length != want.max_length) {
      check.problems.push_back(absl::StrCat(where, ": type is ",
                                            TypeName(got.data_type, got.max_length), ", expected ",
                                            TypeName(want.data_type, want.max_length)));
    }
    if (got.nullable != want.nullable) {
      check.problems.push_back(absl::StrCat(where, ": is ", got.nullable ? "NULL" : "NOT NULL",
                                            ", expected ", want.nullable ? "NULL" : "NOT NULL"));
    }
    if (got.column_default != want.column_default) {
      check.problems.push_back(absl::StrCat(
          where, ": default is ", got.column_default.empty() ? "none" : got.column_default,
          ", expected ", want.column_default.empty() ? "none" : want.column_default));
    }
    actual.erase(it);
  }
  for (const auto& [key, extra] : actual) {
    check.problems.push_back(absl::StrCat(key.first, ".", key.second,
                                          ": column is not in the edge3 schema of revision ",
                                          revision.revision));
  }
  std::map<std::string, std::string> indexes;
  for (const auto& row : tx.exec(
           "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
           "AND tablename IN ('edge_worker', 'edge_job', 'edge_logs')")) {
    indexes[row[0].as<std::string>()] =
        absl::StrReplaceAll(row[1].as<std::string>(), {{" public.", " "}});
  }
  for (const IndexSpec& want : expected_indexes) {
    auto it = indexes.find(want.name);
    if (it == indexes.end()) {
      check.problems.push_back(
          absl::StrCat("index ", want.name, " on ", want.table, " is missing"));
    } else if (it->second != want.definition) {
      check.problems.push_back(absl::StrCat("index ", want.name, " is `", it->second,
                                            "`, expected `", want.definition, "`"));
    }
  }
}

void CreateEdge3Tables(pqxx::work& tx, const Edge3Revision& revision) {
  for (const std::string& statement : SchemaStatementsAt(revision)) tx.exec0(statement);
}

void CreateEdgectlTables(pqxx::work& tx) {
  for (const std::string& statement : EdgectlSchemaStatements()) tx.exec0(statement);
}

}  // namespace

absl::StatusOr<InitResult> CreateSchema(pqxx::connection& conn) {
  absl::Status refused;
  absl::StatusOr<InitResult> result = RunPg("create edge3 schema", [&] {
    pqxx::work tx(conn);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kInitLockKey);
    const DetectedSchema schema = DetectSchemaIn(tx);
    InitResult init;
    if (schema.NoEdgeTables() && !schema.version_table) {
      CreateEdge3Tables(tx, HeadRevision());
      init.revision = &HeadRevision();
      init.created_edge3_tables = true;
    } else if (absl::Status servable = CheckServable(schema); !servable.ok()) {
      refused = absl::FailedPreconditionError(absl::StrCat(
          "left the database unchanged: ", servable.message(),
          schema.NoEdgeTables() ? "" : " (`edgectl db init` creates edge3's tables only where none "
                                       "exist, and never stamps tables it did not create)"));
      return init;
    } else {
      init.revision = schema.revision;
    }
    CreateEdgectlTables(tx);
    tx.commit();
    return init;
  });
  if (!refused.ok()) return refused;
  return result;
}

absl::Status CreateSchemaAt(pqxx::connection& conn, const Edge3Revision& revision,
                            bool priority_weight_variant) {
  return RunPg("create edge3 schema", [&] {
    pqxx::work tx(conn);
    CreateEdge3Tables(tx, revision);
    if (priority_weight_variant) {
      for (const std::string& statement : PriorityWeightVariantStatements()) tx.exec0(statement);
    }
    CreateEdgectlTables(tx);
    tx.commit();
  });
}

absl::StatusOr<SchemaCheck> CheckSchema(pqxx::connection& conn) {
  return RunPg("check edge3 schema", [&] {
    pqxx::read_transaction tx(conn);
    SchemaCheck check;
    check.detected = DetectSchemaIn(tx);
    if (absl::Status servable = CheckServable(check.detected); !servable.ok()) {
      check.unservable = std::string(servable.message());
    }
    // Compare even a mismatching stamp's tables with its revision: the differences say why.
    const Edge3Revision* revision = check.detected.revision;
    if (revision != nullptr && check.detected.AllEdgeTables()) {
      CompareWithRevision(tx, *revision, check);
    }
    CheckEdgectlTables(tx, check.problems);
    return check;
  });
}

}  // namespace edgectl::db
