#include "controlplane/db/schema_installer.h"

#include <map>
#include <pqxx/pqxx>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "controlplane/db/pg_status.h"
#include "controlplane/db/edgectl_schema.h"
#include "controlplane/db/schema.h"

namespace edgectl::db {
namespace {

std::string TypeName(const std::string& data_type, int max_length) {
  return max_length > 0 ? absl::StrCat(data_type, "(", max_length, ")") : data_type;
}

// edgectl's own tables: missing ones are named with the command that creates them.
void CheckEdgectlTables(pqxx::read_transaction& tx, std::vector<std::string>& problems) {
  std::map<std::pair<std::string, std::string>, ColumnSpec> actual;
  for (const auto& row : tx.exec(
           "SELECT table_name, column_name, data_type, COALESCE(character_maximum_length, 0), "
           "is_nullable = 'YES', COALESCE(column_default, '') FROM information_schema.columns "
           "WHERE table_schema = current_schema() AND table_name LIKE 'edgectl\\_%'")) {
    ColumnSpec c{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                 row[3].as<int>(),         row[4].as<bool>(),        row[5].as<std::string>()};
    actual[{c.table, c.column}] = c;
  }
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

}  // namespace

absl::Status CreateSchema(pqxx::connection& conn) {
  return RunPg("create edge3 schema", [&] {
    pqxx::work tx(conn);
    for (const std::string& statement : SchemaStatements()) tx.exec0(statement);
    for (const std::string& statement : EdgectlSchemaStatements()) tx.exec0(statement);
    tx.commit();
  });
}

absl::StatusOr<std::vector<std::string>> CheckSchema(pqxx::connection& conn) {
  return RunPg("check edge3 schema", [&] {
    pqxx::read_transaction tx(conn);
    std::map<std::pair<std::string, std::string>, ColumnSpec> actual;
    for (const auto& row : tx.exec(
             "SELECT table_name, column_name, data_type, "
             "COALESCE(character_maximum_length, 0), is_nullable = 'YES', "
             "COALESCE(column_default, '') FROM information_schema.columns "
             "WHERE table_schema = current_schema() "
             "AND table_name IN ('edge_worker', 'edge_job', 'edge_logs')")) {
      ColumnSpec c{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<int>(),         row[4].as<bool>(),        row[5].as<std::string>()};
      actual[{c.table, c.column}] = c;
    }
    std::vector<std::string> problems;
    std::map<std::string, bool> table_present;
    for (const auto& [key, unused] : actual) table_present[key.first] = true;
    for (const char* table : {"edge_worker", "edge_job", "edge_logs"}) {
      if (!table_present[table]) {
        problems.push_back(absl::StrCat("table ", table,
                                        " is missing: run `edgectl db init` or Airflow's "
                                        "migrations (airflow db migrate)"));
      }
    }
    for (const ColumnSpec& want : ExpectedColumns()) {
      if (!table_present[want.table]) continue;
      auto it = actual.find({want.table, want.column});
      const std::string where = absl::StrCat(want.table, ".", want.column);
      if (it == actual.end()) {
        problems.push_back(absl::StrCat(where, ": column is missing, expected ",
                                        TypeName(want.data_type, want.max_length)));
        continue;
      }
      const ColumnSpec& got = it->second;
      if (got.data_type != want.data_type || got.max_length != want.max_length) {
        problems.push_back(absl::StrCat(where, ": type is ", TypeName(got.data_type, got.max_length),
                                        ", expected ", TypeName(want.data_type, want.max_length)));
      }
      if (got.nullable != want.nullable) {
        problems.push_back(absl::StrCat(where, ": is ", got.nullable ? "NULL" : "NOT NULL",
                                        ", expected ", want.nullable ? "NULL" : "NOT NULL"));
      }
      if (got.column_default != want.column_default) {
        problems.push_back(absl::StrCat(
            where, ": default is ", got.column_default.empty() ? "none" : got.column_default,
            ", expected ", want.column_default.empty() ? "none" : want.column_default));
      }
      actual.erase(it);
    }
    for (const auto& [key, extra] : actual) {
      problems.push_back(absl::StrCat(key.first, ".", key.second,
                                      ": column is not in the edge3 schema edgectl expects"));
    }
    std::map<std::string, std::string> indexes;
    for (const auto& row : tx.exec(
             "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
             "AND tablename IN ('edge_worker', 'edge_job', 'edge_logs')")) {
      indexes[row[0].as<std::string>()] =
          absl::StrReplaceAll(row[1].as<std::string>(), {{" public.", " "}});
    }
    for (const IndexSpec& want : ExpectedIndexes()) {
      if (!table_present[want.table]) continue;
      auto it = indexes.find(want.name);
      if (it == indexes.end()) {
        problems.push_back(absl::StrCat("index ", want.name, " on ", want.table, " is missing"));
      } else if (it->second != want.definition) {
        problems.push_back(absl::StrCat("index ", want.name, " is `", it->second, "`, expected `",
                                        want.definition, "`"));
      }
    }
    CheckEdgectlTables(tx, problems);
    return problems;
  });
}

}  // namespace edgectl::db
