// The compatibility window against databases made the way Airflow's own migrations make them:
// each edge3 migration's operations written out by hand here (from providers/edge3/.../
// migrations/versions/, not derived from controlplane/db), applied in order and stamped in
// alembic_version_edge3 as alembic does. `db check` (CheckSchema) accepts every supported
// revision and names it, refuses others naming found and supported revisions; `db init`
// (CreateSchema) stamps only tables it created, never re-stamps or alters a migrated database,
// and refuses unstamped or unsupported ones without changing anything; the sidecar's detection
// (CheckServable) agrees.
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "controlplane/db/pg_status.h"
#include "controlplane/db/schema.h"
#include "controlplane/db/schema_installer.h"
#include "controlplane/db/schema_revision.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fixtures/postgres_server.h"

namespace edgectl::db {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Migration {
  std::string revision;
  std::vector<std::string> statements;
};

// edge3's migration chain on PostgreSQL, oldest first.
const std::vector<Migration>& Edge3Migrations() {
  static const auto* chain = new std::vector<Migration>{
      {"9d34dfc2de06",  // 0001_3_0_0_create_edge_tables
       {R"sql(CREATE TABLE edge_worker (
            worker_name VARCHAR(64) NOT NULL, state VARCHAR(20) NOT NULL,
            maintenance_comment VARCHAR(1024), queues VARCHAR(256),
            first_online TIMESTAMP WITHOUT TIME ZONE, last_update TIMESTAMP WITHOUT TIME ZONE,
            jobs_active INTEGER NOT NULL, jobs_taken INTEGER NOT NULL,
            jobs_success INTEGER NOT NULL, jobs_failed INTEGER NOT NULL,
            sysinfo VARCHAR(256), PRIMARY KEY (worker_name)))sql",
        R"sql(CREATE TABLE edge_job (
            dag_id VARCHAR(250) NOT NULL, task_id VARCHAR(250) NOT NULL,
            run_id VARCHAR(250) NOT NULL, map_index INTEGER DEFAULT -1 NOT NULL,
            try_number INTEGER NOT NULL, state VARCHAR(20) NOT NULL, queue VARCHAR(256) NOT NULL,
            concurrency_slots INTEGER NOT NULL, command VARCHAR(2048) NOT NULL,
            queued_dttm TIMESTAMP WITHOUT TIME ZONE, edge_worker VARCHAR(64),
            last_update TIMESTAMP WITHOUT TIME ZONE,
            PRIMARY KEY (dag_id, task_id, run_id, map_index, try_number)))sql",
        "CREATE INDEX rj_order ON edge_job (state, queued_dttm, queue)",
        R"sql(CREATE TABLE edge_logs (
            dag_id VARCHAR(250) NOT NULL, task_id VARCHAR(250) NOT NULL,
            run_id VARCHAR(250) NOT NULL, map_index INTEGER DEFAULT -1 NOT NULL,
            try_number INTEGER NOT NULL, log_chunk_time TIMESTAMP WITHOUT TIME ZONE NOT NULL,
            log_chunk_data TEXT NOT NULL,
            PRIMARY KEY (dag_id, task_id, run_id, map_index, try_number, log_chunk_time)))sql"}},
      {"b3c4d5e6f7a8",  // add concurrency to edge_worker
       {"ALTER TABLE edge_worker ADD COLUMN concurrency INTEGER"}},
      {"8c275b6fbaa8",  // fix migration file/ORM inconsistencies: Airflow's TIMESTAMP type
       {"ALTER TABLE edge_worker ALTER COLUMN first_online TYPE TIMESTAMP WITH TIME ZONE",
        "ALTER TABLE edge_worker ALTER COLUMN last_update TYPE TIMESTAMP WITH TIME ZONE",
        "ALTER TABLE edge_job ALTER COLUMN queued_dttm TYPE TIMESTAMP WITH TIME ZONE",
        "ALTER TABLE edge_job ALTER COLUMN last_update TYPE TIMESTAMP WITH TIME ZONE",
        "ALTER TABLE edge_logs ALTER COLUMN log_chunk_time TYPE TIMESTAMP WITH TIME ZONE"}},
      {"a09c3ee8e1d3",  // team_name
       {"ALTER TABLE edge_job ADD COLUMN team_name VARCHAR(64)",
        "ALTER TABLE edge_worker ADD COLUMN team_name VARCHAR(64)"}},
      {"c6b3c3d093fd",  // extended JSON sysinfo replaces the counters
       {"ALTER TABLE edge_worker DROP COLUMN sysinfo",
        "ALTER TABLE edge_worker ADD COLUMN sysinfo JSON",
        "ALTER TABLE edge_worker DROP COLUMN jobs_taken",
        "ALTER TABLE edge_worker DROP COLUMN jobs_success",
        "ALTER TABLE edge_worker DROP COLUMN jobs_failed"}},
      {"f2a4b6c8d0e1",  // task instance identity
       {"ALTER TABLE edge_job ADD COLUMN task_instance_id VARCHAR(36) DEFAULT '' NOT NULL",
        "ALTER TABLE edge_job DROP CONSTRAINT edge_job_pkey",
        "ALTER TABLE edge_job ADD CONSTRAINT edge_job_pkey PRIMARY KEY (dag_id, task_id, run_id, "
        "map_index, try_number, task_instance_id)"}},
      {"cd96a0a0e458",  // widen edge_job.command
       {"ALTER TABLE edge_job ALTER COLUMN command TYPE TEXT"}},
  };
  return *chain;
}

// A new database migrated by the chain up to `revision`, stamped as alembic stamps.
std::string MigratedDatabase(const std::string& prefix, const std::string& revision) {
  absl::StatusOr<std::string> dsn = testing::SharedPostgres().CreateDatabase(prefix);
  if (!dsn.ok()) {
    ADD_FAILURE() << dsn.status();
    return "";
  }
  absl::Status migrated = RunPg("migrate", [&] {
    pqxx::connection conn(*dsn);
    pqxx::work tx(conn);
    tx.exec0(
        "CREATE TABLE alembic_version_edge3 (version_num VARCHAR(32) NOT NULL, "
        "CONSTRAINT alembic_version_edge3_pkc PRIMARY KEY (version_num))");
    bool first = true;
    for (const Migration& m : Edge3Migrations()) {
      for (const std::string& statement : m.statements) tx.exec0(statement);
      tx.exec0(first ? "INSERT INTO alembic_version_edge3 VALUES (" + tx.quote(m.revision) + ")"
                     : "UPDATE alembic_version_edge3 SET version_num = " + tx.quote(m.revision));
      first = false;
      if (m.revision == revision) {
        tx.commit();
        return;
      }
    }
    throw std::runtime_error("no migration " + revision);
  });
  if (!migrated.ok()) {
    ADD_FAILURE() << migrated;
    return "";
  }
  return *dsn;
}

std::string Value(pqxx::connection& conn, const std::string& sql) {
  pqxx::read_transaction tx(conn);
  pqxx::result r = tx.exec(sql);
  return r.empty() || r[0][0].is_null() ? "" : r[0][0].as<std::string>();
}

// Every column and index of the edge3 tables, to see that nothing changed.
std::string Catalog(pqxx::connection& conn) {
  return Value(conn,
               "SELECT string_agg(x, ';' ORDER BY x) FROM ("
               "SELECT table_name || '.' || column_name || ':' || data_type || ':' || "
               "COALESCE(character_maximum_length, 0) || ':' || is_nullable || ':' || "
               "COALESCE(column_default, '') AS x FROM information_schema.columns "
               "WHERE table_schema = 'public' AND table_name LIKE 'edge\\_%' "
               "UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' "
               "AND tablename NOT LIKE 'edgectl\\_%') c");
}

class SupportedRevisionTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SupportedRevisionTest, DbCheckAcceptsAndNamesAnAirflowMigratedDatabase) {
  std::string dsn = MigratedDatabase("rev_check", GetParam());
  ASSERT_FALSE(dsn.empty());
  pqxx::connection conn(dsn);
  {
    pqxx::work tx(conn);  // edgectl's own table, which `db check` also wants
    tx.exec0("CREATE TABLE edgectl_worker_token (token_sha256 CHAR(64) NOT NULL, "
             "worker_name VARCHAR(64) NOT NULL, created_at TIMESTAMP WITH TIME ZONE DEFAULT "
             "now() NOT NULL, PRIMARY KEY (token_sha256))");
    tx.commit();
  }
  absl::StatusOr<SchemaCheck> check = CheckSchema(conn);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->unservable, "");
  EXPECT_THAT(check->problems, IsEmpty());
  EXPECT_THAT(check->notes, IsEmpty());
  ASSERT_NE(check->detected.revision, nullptr);
  EXPECT_EQ(check->detected.revision->revision, GetParam());
  EXPECT_TRUE(CheckServable(check->detected).ok());
}

TEST_P(SupportedRevisionTest, DbInitLeavesAnAirflowMigratedDatabaseAsItIs) {
  std::string dsn = MigratedDatabase("rev_init", GetParam());
  ASSERT_FALSE(dsn.empty());
  pqxx::connection conn(dsn);
  const std::string before = Catalog(conn);
  absl::StatusOr<InitResult> init = CreateSchema(conn);
  ASSERT_TRUE(init.ok()) << init.status();
  EXPECT_FALSE(init->created_edge3_tables);
  EXPECT_EQ(init->revision->revision, GetParam());
  EXPECT_EQ(Value(conn, "SELECT string_agg(version_num, ',') FROM alembic_version_edge3"),
            GetParam());
  EXPECT_EQ(Catalog(conn), before);
  EXPECT_EQ(Value(conn, "SELECT count(*) FROM information_schema.tables WHERE table_name = "
                        "'edgectl_worker_token'"),
            "1");
}

TEST_P(SupportedRevisionTest, SchemaEdgectlCreatesAtTheRevisionIsTheMigratedOne) {
  std::string migrated_dsn = MigratedDatabase("rev_same_a", GetParam());
  ASSERT_FALSE(migrated_dsn.empty());
  absl::StatusOr<std::string> made_dsn = testing::SharedPostgres().CreateDatabase("rev_same_b");
  ASSERT_TRUE(made_dsn.ok()) << made_dsn.status();
  pqxx::connection made(*made_dsn);
  ASSERT_TRUE(CreateSchemaAt(made, *FindSupportedRevision(GetParam()), false).ok());
  pqxx::connection migrated(migrated_dsn);
  // Column order differs (migrations add columns at the end); the catalog compares by name.
  EXPECT_EQ(Catalog(made), Catalog(migrated));
}

INSTANTIATE_TEST_SUITE_P(Window, SupportedRevisionTest,
                         ::testing::Values("c6b3c3d093fd", "f2a4b6c8d0e1", "cd96a0a0e458"));

TEST(SchemaRevisionTest, OlderAndUnknownRevisionsAreRefusedNamingFoundAndSupported) {
  struct Case {
    std::string stamp_at;  // migrate this far
    std::string stamp;     // then stamp this
    std::string expect;
  };
  for (const Case& c : std::vector<Case>{
           {"a09c3ee8e1d3", "a09c3ee8e1d3", "a09c3ee8e1d3 (edge3 3.4.x) is not served"},
           {"cd96a0a0e458", "0123456789ab", "0123456789ab is not one edgectl knows"},
           {"c6b3c3d093fd", "d5a2f8b41c07", "no edge3 release writes it"}}) {
    std::string dsn = MigratedDatabase("rev_refuse", c.stamp_at);
    ASSERT_FALSE(dsn.empty());
    pqxx::connection conn(dsn);
    {
      pqxx::work tx(conn);
      tx.exec0("UPDATE alembic_version_edge3 SET version_num = " + tx.quote(c.stamp));
      tx.commit();
    }
    const std::string before = Catalog(conn);
    absl::StatusOr<SchemaCheck> check = CheckSchema(conn);
    ASSERT_TRUE(check.ok()) << check.status();
    EXPECT_FALSE(check->ok());
    EXPECT_THAT(check->unservable, HasSubstr(c.expect));
    for (const Edge3Revision& supported : SupportedRevisions()) {
      EXPECT_THAT(check->unservable, HasSubstr(supported.revision)) << c.stamp;
    }
    absl::StatusOr<InitResult> init = CreateSchema(conn);
    EXPECT_EQ(init.status().code(), absl::StatusCode::kFailedPrecondition) << c.stamp;
    EXPECT_THAT(init.status().message(), HasSubstr("left the database unchanged"));
    EXPECT_EQ(Value(conn, "SELECT string_agg(version_num, ',') FROM alembic_version_edge3"),
              c.stamp);
    EXPECT_EQ(Catalog(conn), before);
  }
}

TEST(SchemaRevisionTest, DbInitOnAnEmptyDatabaseCreatesAndStampsTheHeadOnce) {
  absl::StatusOr<std::string> dsn = testing::SharedPostgres().CreateDatabase("rev_fresh");
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  pqxx::connection conn(*dsn);
  absl::StatusOr<InitResult> init = CreateSchema(conn);
  ASSERT_TRUE(init.ok()) << init.status();
  EXPECT_TRUE(init->created_edge3_tables);
  EXPECT_EQ(init->revision->revision, kEdge3AlembicHead);
  // Exactly the head's schema: no priority_weight (no release's migrations add it).
  EXPECT_EQ(Value(conn, "SELECT count(*) FROM information_schema.columns WHERE column_name = "
                        "'priority_weight'"),
            "0");
  absl::StatusOr<InitResult> again = CreateSchema(conn);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created_edge3_tables);
  EXPECT_EQ(Value(conn, "SELECT string_agg(version_num, ',') FROM alembic_version_edge3"),
            kEdge3AlembicHead);
  absl::StatusOr<SchemaCheck> check = CheckSchema(conn);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->ok()) << check->unservable;
  EXPECT_THAT(check->problems, IsEmpty());
}

TEST(SchemaRevisionTest, DbInitNeverStampsTablesItDidNotCreate) {
  std::string dsn = MigratedDatabase("rev_unstamped", "c6b3c3d093fd");
  ASSERT_FALSE(dsn.empty());
  pqxx::connection conn(dsn);
  {
    pqxx::work tx(conn);
    tx.exec0("DROP TABLE alembic_version_edge3");  // tables of unknown provenance
    tx.commit();
  }
  absl::StatusOr<InitResult> init = CreateSchema(conn);
  EXPECT_EQ(init.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(init.status().message(), HasSubstr("carry no alembic revision"));
  EXPECT_THAT(init.status().message(), HasSubstr("never stamps tables it did not create"));
  EXPECT_EQ(Value(conn, "SELECT count(*) FROM information_schema.tables WHERE table_name = "
                        "'alembic_version_edge3'"),
            "0");
}

TEST(SchemaRevisionTest, StampThatDoesNotDescribeTheTablesIsNotServed) {
  // Stamped 5.0's revision without its migration having run: no task_instance_id column.
  std::string dsn = MigratedDatabase("rev_lying", "c6b3c3d093fd");
  ASSERT_FALSE(dsn.empty());
  pqxx::connection conn(dsn);
  {
    pqxx::work tx(conn);
    tx.exec0("UPDATE alembic_version_edge3 SET version_num = 'f2a4b6c8d0e1'");
    tx.commit();
  }
  absl::StatusOr<SchemaCheck> check = CheckSchema(conn);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_THAT(check->unservable, HasSubstr("lacks the task_instance_id column"));
  EXPECT_THAT(check->problems,
              ::testing::Contains(HasSubstr("edge_job.task_instance_id: column is missing")));
}

TEST(SchemaRevisionTest, PriorityWeightFromEarlierEdgectlIsAcceptedWithANote) {
  absl::StatusOr<std::string> dsn = testing::SharedPostgres().CreateDatabase("rev_priority");
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  pqxx::connection conn(*dsn);
  ASSERT_TRUE(CreateSchemaAt(conn, HeadRevision(), /*priority_weight_variant=*/true).ok());
  absl::StatusOr<SchemaCheck> check = CheckSchema(conn);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->ok()) << check->unservable;
  EXPECT_THAT(check->problems, IsEmpty());
  ASSERT_EQ(check->notes.size(), 1u);
  EXPECT_THAT(check->notes[0], HasSubstr("d5a2f8b41c07"));
  EXPECT_THAT(check->notes[0], HasSubstr("DROP COLUMN priority_weight"));
}

}  // namespace
}  // namespace edgectl::db
