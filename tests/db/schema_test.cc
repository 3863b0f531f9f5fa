// The edge3 schema created from controlplane/db matches, column by column and index by index, what
// edge3's migrations create; CheckSchema reports differences on a database that drifted.
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <tuple>

#include "controlplane/db/schema.h"
#include "controlplane/db/schema_installer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fixtures/postgres_server.h"

namespace edgectl::db {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(SchemaTest, CatalogMatchesEdge3Migrations) {
  testing::EdgeDatabaseOptions head;
  head.priority_weight = false;  // exactly what the head revision has
  std::string dsn = testing::CreateEdgeDatabase("schema", head);
  ASSERT_FALSE(dsn.empty());
  pqxx::connection conn(dsn);
  pqxx::read_transaction tx(conn);

  // Read the catalog directly rather than through CheckSchema, so this test also guards it.
  std::set<std::tuple<std::string, std::string, std::string, int, bool, std::string>> actual;
  for (const auto& row : tx.exec(
           "SELECT table_name, column_name, data_type, COALESCE(character_maximum_length, 0), "
           "is_nullable = 'YES', COALESCE(column_default, '') FROM information_schema.columns "
           "WHERE table_schema = 'public' AND table_name IN ('edge_worker','edge_job','edge_logs')")) {
    actual.emplace(row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<int>(), row[4].as<bool>(), row[5].as<std::string>());
  }
  // Written out by hand from edge3's models and migrations (not derived from schema.cc).
  std::set<std::tuple<std::string, std::string, std::string, int, bool, std::string>> expected = {
      {"edge_worker", "worker_name", "character varying", 64, false, ""},
      {"edge_worker", "state", "character varying", 20, false, ""},
      {"edge_worker", "maintenance_comment", "character varying", 1024, true, ""},
      {"edge_worker", "queues", "character varying", 256, true, ""},
      {"edge_worker", "first_online", "timestamp with time zone", 0, true, ""},
      {"edge_worker", "last_update", "timestamp with time zone", 0, true, ""},
      {"edge_worker", "jobs_active", "integer", 0, false, ""},
      {"edge_worker", "sysinfo", "json", 0, true, ""},
      {"edge_worker", "team_name", "character varying", 64, true, ""},
      {"edge_worker", "concurrency", "integer", 0, true, ""},
      {"edge_job", "dag_id", "character varying", 250, false, ""},
      {"edge_job", "task_id", "character varying", 250, false, ""},
      {"edge_job", "run_id", "character varying", 250, false, ""},
      {"edge_job", "map_index", "integer", 0, false, "'-1'::integer"},
      {"edge_job", "try_number", "integer", 0, false, ""},
      {"edge_job", "task_instance_id", "character varying", 36, false, "''::character varying"},
      {"edge_job", "state", "character varying", 20, false, ""},
      {"edge_job", "queue", "character varying", 256, false, ""},
      {"edge_job", "concurrency_slots", "integer", 0, false, ""},
      {"edge_job", "command", "text", 0, false, ""},
      {"edge_job", "queued_dttm", "timestamp with time zone", 0, true, ""},
      {"edge_job", "edge_worker", "character varying", 64, true, ""},
      {"edge_job", "last_update", "timestamp with time zone", 0, true, ""},
      {"edge_job", "team_name", "character varying", 64, true, ""},
      {"edge_logs", "dag_id", "character varying", 250, false, ""},
      {"edge_logs", "task_id", "character varying", 250, false, ""},
      {"edge_logs", "run_id", "character varying", 250, false, ""},
      {"edge_logs", "map_index", "integer", 0, false, "'-1'::integer"},
      {"edge_logs", "try_number", "integer", 0, false, ""},
      {"edge_logs", "log_chunk_time", "timestamp with time zone", 0, false, ""},
      {"edge_logs", "log_chunk_data", "text", 0, false, ""},
  };
  EXPECT_EQ(actual, expected);

  std::set<std::pair<std::string, std::string>> indexes;
  for (const auto& row : tx.exec(
           "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
           "AND tablename IN ('edge_worker','edge_job','edge_logs')")) {
    indexes.emplace(row[0].as<std::string>(), row[1].as<std::string>());
  }
  std::set<std::pair<std::string, std::string>> expected_indexes = {
      {"edge_worker_pkey",
       "CREATE UNIQUE INDEX edge_worker_pkey ON public.edge_worker USING btree (worker_name)"},
      {"edge_job_pkey",
       "CREATE UNIQUE INDEX edge_job_pkey ON public.edge_job USING btree (dag_id, task_id, run_id, "
       "map_index, try_number, task_instance_id)"},
      {"rj_order",
       "CREATE INDEX rj_order ON public.edge_job USING btree (state, queued_dttm, queue)"},
      {"edge_logs_pkey",
       "CREATE UNIQUE INDEX edge_logs_pkey ON public.edge_logs USING btree (dag_id, task_id, "
       "run_id, map_index, try_number, log_chunk_time)"},
  };
  EXPECT_EQ(indexes, expected_indexes);

  EXPECT_EQ(tx.exec1("SELECT version_num FROM alembic_version_edge3")[0].as<std::string>(),
            kEdge3AlembicHead);
}

TEST(SchemaTest, CheckSchemaAcceptsFreshSchemaAndCreateIsIdempotent) {
  std::string dsn = testing::CreateEdgeDatabase("schema_idem", {"", false});
  ASSERT_FALSE(dsn.empty());
  pqxx::connection conn(dsn);
  absl::StatusOr<InitResult> again = CreateSchema(conn);  // no error, no second alembic row
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created_edge3_tables);
  absl::StatusOr<SchemaCheck> check = CheckSchema(conn);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->ok()) << check->unservable;
  EXPECT_THAT(check->problems, IsEmpty());
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM alembic_version_edge3")[0].as<int>(), 1);
}

TEST(SchemaTest, CheckSchemaReportsDrift) {
  std::string dsn = testing::CreateEdgeDatabase("schema_drift", {"", false});
  ASSERT_FALSE(dsn.empty());
  pqxx::connection conn(dsn);
  {
    pqxx::work tx(conn);
    // Stamped at the head, but command is still VARCHAR(2048) and rj_order is gone.
    tx.exec0("ALTER TABLE edge_job ALTER COLUMN command TYPE VARCHAR(2048)");
    tx.exec0("DROP INDEX rj_order");
    tx.exec0("DROP TABLE edgectl_worker_token");
    tx.commit();
  }
  absl::StatusOr<SchemaCheck> check = CheckSchema(conn);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_FALSE(check->ok());
  EXPECT_EQ(check->detected.StampText(), kEdge3AlembicHead);
  EXPECT_THAT(check->problems, Contains(HasSubstr(
                                   "edge_job.command: type is character varying(2048), expected text")));
  EXPECT_THAT(check->problems, Contains(HasSubstr("index rj_order on edge_job is missing")));
  EXPECT_THAT(check->problems,
              Contains(HasSubstr("edgectl's table edgectl_worker_token is missing")));
}

}  // namespace
}  // namespace edgectl::db
