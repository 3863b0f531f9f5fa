#include "common/airflow_config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgectl {
namespace {

using ::testing::HasSubstr;

TEST(AirflowConfigTest, FileThenEnvironmentThenOverride) {
  auto config = AirflowConfig::FromText(
      "# comment\n[edge]\napi_url = http://file/edge_worker/v1/rpcapi\nheartbeat_interval = 7\n"
      "[API_AUTH]\nJWT_Secret = from-file\n",
      {{"AIRFLOW__EDGE__HEARTBEAT_INTERVAL", "11"}, {"AIRFLOW__CORE__EXECUTOR", "EdgeExecutor"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->Get("edge", "api_url"), "http://file/edge_worker/v1/rpcapi");
  EXPECT_EQ(*config->GetInt("edge", "heartbeat_interval", 30), 11);
  EXPECT_EQ(config->Get("api_auth", "jwt_secret"), "from-file");
  EXPECT_EQ(config->Get("core", "executor"), "EdgeExecutor");
  config->Set("edge", "heartbeat_interval", "3");
  EXPECT_EQ(*config->GetInt("edge", "heartbeat_interval", 30), 3);
}

TEST(AirflowConfigTest, DefaultsMatchEdge3) {
  auto config = AirflowConfig::FromText("", {});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(*config->GetInt("edge", "worker_concurrency", 0), 8);
  EXPECT_EQ(*config->GetInt("edge", "heartbeat_interval", 0), 30);
  EXPECT_EQ(*config->GetInt("edge", "push_log_chunk_size", 0), 524288);
  EXPECT_TRUE(*config->GetBool("edge", "push_logs", false));
  EXPECT_EQ(*config->GetInt("api_auth", "jwt_leeway", 0), 10);
  EXPECT_FALSE(config->Get("edge", "api_url").has_value());
}

TEST(AirflowConfigTest, BadValuesNameTheOption) {
  auto config = AirflowConfig::FromText("[edge]\nheartbeat_interval = soon\npush_logs = maybe\n", {});
  ASSERT_TRUE(config.ok());
  auto interval = config->GetInt("edge", "heartbeat_interval", 30);
  ASSERT_FALSE(interval.ok());
  EXPECT_THAT(interval.status().message(), HasSubstr("[edge] heartbeat_interval"));
  EXPECT_THAT(interval.status().message(), HasSubstr("soon"));
  EXPECT_FALSE(config->GetBool("edge", "push_logs", true).ok());
}

TEST(AirflowConfigTest, MalformedFileIsAnError) {
  auto no_section = AirflowConfig::FromText("api_url = x\n", {});
  ASSERT_FALSE(no_section.ok());
  EXPECT_THAT(no_section.status().message(), HasSubstr("line 1"));
  EXPECT_FALSE(AirflowConfig::FromText("[edge\n", {}).ok());
}

}  // namespace
}  // namespace edgectl
