#include "common/database_url.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgectl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(DatabaseUrlTest, SqlAlchemyUrlBecomesLibpqString) {
  auto url = ParseDatabaseUrl(
      "postgresql+psycopg2://air%40flow:p%40ss'w@db.example:6543/airflow_db?sslmode=require");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "db.example");
  EXPECT_EQ(url->port, "6543");
  EXPECT_EQ(url->user, "air@flow");
  EXPECT_EQ(url->password, "p@ss'w");
  EXPECT_EQ(url->dbname, "airflow_db");
  EXPECT_EQ(url->libpq_dsn(),
            "host='db.example' port='6543' user='air@flow' password='p@ss\\'w' "
            "dbname='airflow_db' sslmode='require'");
}

TEST(DatabaseUrlTest, DescribeNeverShowsThePassword) {
  auto url = ParseDatabaseUrl("postgresql://u:hunter2@h:5432/d");
  ASSERT_TRUE(url.ok());
  EXPECT_THAT(url->Describe(), Not(HasSubstr("hunter2")));
  EXPECT_THAT(url->Describe(), HasSubstr("host h port 5432"));
  auto libpq = ParseDatabaseUrl("host=h port=1 password=hunter2 dbname=d");
  ASSERT_TRUE(libpq.ok());
  EXPECT_THAT(libpq->Describe(), Not(HasSubstr("hunter2")));
}

// libpq strings are read by libpq's own parser: quoted values with spaces and escapes survive,
// and a malformed string is refused without echoing a password.
TEST(DatabaseUrlTest, LibpqStringsAreParsedByLibpq) {
  auto quoted = ParseDatabaseUrl(
      "host=db.example port=6543 dbname='air flow' user=u password='p w\\'x' sslmode=require");
  ASSERT_TRUE(quoted.ok()) << quoted.status();
  EXPECT_EQ(quoted->host, "db.example");
  EXPECT_EQ(quoted->dbname, "air flow");
  EXPECT_EQ(quoted->password, "p w'x");
  EXPECT_EQ(quoted->options.at("sslmode"), "require");
  // What libpq_dsn() gives back parses to the same values.
  auto again = ParseDatabaseUrl(quoted->libpq_dsn());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->password, "p w'x");
  EXPECT_EQ(again->dbname, "air flow");

  auto unknown = ParseDatabaseUrl("host=h colour=blue");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("colour"));
  auto broken = ParseDatabaseUrl("host=h password='unterminated hunter2");
  ASSERT_FALSE(broken.ok());
  EXPECT_THAT(broken.status().message(), Not(HasSubstr("hunter2")));
  EXPECT_THAT(broken.status().message(), HasSubstr("postgresql://"));
}

TEST(DatabaseUrlTest, OtherForms) {
  auto plain = ParseDatabaseUrl("postgres://localhost/airflow");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->host, "localhost");
  EXPECT_EQ(plain->port, "");
  auto socket = ParseDatabaseUrl("postgresql://airflow@/airflow?host=/var/run/postgresql");
  ASSERT_TRUE(socket.ok());
  EXPECT_EQ(socket->host, "/var/run/postgresql");
  auto v6 = ParseDatabaseUrl("postgresql://[::1]:5433/x");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "5433");
}

TEST(DatabaseUrlTest, RejectsWhatItCannotUse) {
  auto sqlite = ParseDatabaseUrl("sqlite:////root/airflow/airflow.db");
  ASSERT_FALSE(sqlite.ok());
  EXPECT_THAT(sqlite.status().message(), HasSubstr("PostgreSQL only"));
  EXPECT_FALSE(ParseDatabaseUrl("").ok());
  EXPECT_FALSE(ParseDatabaseUrl("postgresql://h:port/x").ok());
  EXPECT_FALSE(ParseDatabaseUrl("postgresql://u:%zz@h/x").ok());
}

}  // namespace
}  // namespace edgectl
