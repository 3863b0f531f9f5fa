// File: tests/bridge/bridge_test_env.h
//
// What the bridge's integration tests share: a fresh edge3 database on the test PostgreSQL, the
// Airflow double serving it on 127.0.0.1 (free port), EdgeApiClients pointed at it with
// millisecond retry waits, and direct SQL helpers to arrange and inspect the tables.
#ifndef EDGECTL_TESTS_BRIDGE_BRIDGE_TEST_ENV_H_
#define EDGECTL_TESTS_BRIDGE_BRIDGE_TEST_ENV_H_

#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "bridge/edge_api_client.h"
#include "gtest/gtest.h"
#include "tests/airflow_double/airflow_api_double.h"

namespace edgectl::testing {

inline constexpr char kSecret[] = "test-secret-7f3a";
inline constexpr char kAirflowVersion[] = "3.1.0";
inline constexpr char kProviderVersion[] = "5.0.0";

struct JobRow {
  std::string dag_id = "dag";
  std::string task_id = "task";
  std::string run_id = "manual__2026-01-01T00:00:00+00:00";
  int try_number = 1;
  int map_index = -1;
  std::string queue = "default";
  int concurrency_slots = 1;
  int priority_weight = 1;
  int queued_seconds_ago = 60;
  std::string command = R"({"type":"ExecuteTask","token":"t","ti":{"id":"x"}})";
  std::string task_instance_id;
};

class BridgeTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  bridge::EdgeApiClientOptions ClientOptions(const std::string& secret = kSecret) const;
  std::unique_ptr<bridge::EdgeApiClient> MakeClient(
      bridge::EdgeApiClientOptions options, bridge::EdgeApiClientCollaborators collaborators = {});
  // A WorkerStateBody with matching versions.
  static bridge::WorkerStateBody StateBody(const std::string& state,
                                           std::optional<std::vector<std::string>> queues = std::nullopt);
  void RegisterWorker(const std::string& name,
                      std::optional<std::vector<std::string>> queues = std::nullopt);
  void InsertJob(const JobRow& job);
  // First column of the first row, "NULL" for SQL NULL, "" when no row.
  std::string QueryOne(const std::string& sql);
  void Exec(const std::string& sql);

  std::unique_ptr<pqxx::connection> conn_;  // the test's own view of the tables
  std::string dsn_;
  std::string log_folder_;
  std::unique_ptr<airflow_double::AirflowApiDouble> double_;
  std::unique_ptr<bridge::EdgeApiClient> client_;
};

}  // namespace edgectl::testing

#endif  // EDGECTL_TESTS_BRIDGE_BRIDGE_TEST_ENV_H_
