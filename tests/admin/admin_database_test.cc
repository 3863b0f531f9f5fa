// Where the admin commands find the database, and what they say when they cannot reach it.
#include "controlplane/admin/admin_database.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fixtures/free_port.h"

namespace edgectl::admin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(AdminDatabaseTest, ConfigValueIsUsedAndTheFlagOverridesIt) {
  absl::StatusOr<AirflowConfig> config = AirflowConfig::FromText(
      "[database]\nsql_alchemy_conn = postgresql+psycopg2://cfg:pw@cfg-host:5433/airflow\n", {});
  ASSERT_TRUE(config.ok());
  absl::StatusOr<DatabaseUrl> from_config = ResolveAirflowDatabase(*config, "");
  ASSERT_TRUE(from_config.ok()) << from_config.status();
  EXPECT_EQ(from_config->host, "cfg-host");
  EXPECT_EQ(from_config->port, "5433");
  absl::StatusOr<DatabaseUrl> from_flag =
      ResolveAirflowDatabase(*config, "postgresql://flag@flag-host/other");
  ASSERT_TRUE(from_flag.ok()) << from_flag.status();
  EXPECT_EQ(from_flag->host, "flag-host");
  EXPECT_EQ(from_flag->dbname, "other");
}

TEST(AdminDatabaseTest, EnvironmentVariableIsUsed) {
  absl::StatusOr<AirflowConfig> config = AirflowConfig::FromText(
      "", {{"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql://env@env-host/airflow"}});
  ASSERT_TRUE(config.ok());
  absl::StatusOr<DatabaseUrl> url = ResolveAirflowDatabase(*config, "");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "env-host");
}

TEST(AdminDatabaseTest, UnsetConnectionIsEdge3sError) {
  absl::StatusOr<AirflowConfig> config = AirflowConfig::FromText("", {});
  ASSERT_TRUE(config.ok());
  absl::StatusOr<DatabaseUrl> url = ResolveAirflowDatabase(*config, "");
  ASSERT_FALSE(url.ok());
  EXPECT_THAT(std::string(url.status().message()),
              HasSubstr("The database connection is not set."));
}

TEST(AdminDatabaseTest, NonPostgresUrlIsRefusedWithoutItsPassword) {
  absl::StatusOr<AirflowConfig> config = AirflowConfig::FromText("", {});
  absl::StatusOr<DatabaseUrl> url =
      ResolveAirflowDatabase(*config, "mysql://user:TopSecret99@db/airflow");
  ASSERT_FALSE(url.ok());
  EXPECT_THAT(std::string(url.status().message()), HasSubstr("PostgreSQL only"));
  EXPECT_THAT(std::string(url.status().message()), Not(HasSubstr("TopSecret99")));
}

TEST(AdminDatabaseTest, UnreachableDatabaseNamesHostAndPortButNotThePassword) {
  const int port = *testing::FreeLoopbackPort();
  absl::StatusOr<AirflowConfig> config = AirflowConfig::FromText("", {});
  absl::StatusOr<DatabaseUrl> url = ResolveAirflowDatabase(
      *config, absl::StrCat("postgresql+psycopg2://airflow:TopSecret99@127.0.0.1:", port,
                            "/airflow"));
  ASSERT_TRUE(url.ok()) << url.status();
  auto conn = ConnectToAirflowDatabase(*url);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), absl::StatusCode::kUnavailable);
  const std::string message(conn.status().message());
  EXPECT_THAT(message, HasSubstr("host 127.0.0.1"));
  EXPECT_THAT(message, HasSubstr(absl::StrCat("port ", port)));
  EXPECT_THAT(message, Not(HasSubstr("TopSecret99")));
  EXPECT_THAT(message, Not(HasSubstr("\n")));
}

}  // namespace
}  // namespace edgectl::admin
