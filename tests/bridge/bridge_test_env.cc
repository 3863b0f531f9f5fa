#include "tests/bridge/bridge_test_env.h"

#include <stdlib.h>

#include <filesystem>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "tests/fixtures/edge_database.h"

namespace edgectl::testing {

void BridgeTest::SetUp() {
  dsn_ = CreateEdgeDatabase("bridge");
  ASSERT_FALSE(dsn_.empty());
  conn_ = std::make_unique<pqxx::connection>(dsn_);
  char tmpl[] = "/tmp/edgectl-bridge-logs-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  log_folder_ = tmpl;
  airflow_double::AirflowApiDoubleOptions options;
  options.dsn = dsn_;
  options.jwt_secret = kSecret;
  options.airflow_version = kAirflowVersion;
  options.edge_provider_version = kProviderVersion;
  options.base_log_folder = log_folder_;
  double_ = std::make_unique<airflow_double::AirflowApiDouble>(options);
  absl::StatusOr<int> port = double_->Start();
  ASSERT_TRUE(port.ok()) << port.status();
  client_ = MakeClient(ClientOptions());
  ASSERT_NE(client_, nullptr);
}

void BridgeTest::TearDown() {
  client_.reset();
  conn_.reset();
  if (double_ != nullptr) double_->Stop();
  if (!log_folder_.empty()) std::filesystem::remove_all(log_folder_);
}

bridge::EdgeApiClientOptions BridgeTest::ClientOptions(const std::string& secret) const {
  bridge::EdgeApiClientOptions options;
  // The usual form of [edge] api_url; urljoin replaces "rpcapi".
  options.api_url = absl::StrCat("http://127.0.0.1:", double_->port(), "/edge_worker/v1/rpcapi");
  options.jwt_secret = secret;
  options.jwt_leeway_seconds = 10;
  options.retry = bridge::RetryOptions{3, absl::Milliseconds(1), absl::Milliseconds(5)};
  options.transport.connect_timeout = absl::Seconds(5);
  options.transport.request_timeout = absl::Seconds(20);
  return options;
}

std::unique_ptr<bridge::EdgeApiClient> BridgeTest::MakeClient(
    bridge::EdgeApiClientOptions options, bridge::EdgeApiClientCollaborators collaborators) {
  absl::StatusOr<std::unique_ptr<bridge::EdgeApiClient>> client =
      bridge::EdgeApiClient::Create(std::move(options), std::move(collaborators));
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? std::move(*client) : nullptr;
}

bridge::WorkerStateBody BridgeTest::StateBody(const std::string& state,
                                              std::optional<std::vector<std::string>> queues) {
  bridge::WorkerStateBody body;
  body.state = state;
  body.queues = std::move(queues);
  body.sysinfo = {{"airflow_version", std::string(kAirflowVersion)},
                  {"edge_provider_version", std::string(kProviderVersion)},
                  {"concurrency", int64_t{8}},
                  {"free_concurrency", int64_t{8}}};
  return body;
}

void BridgeTest::RegisterWorker(const std::string& name,
                                std::optional<std::vector<std::string>> queues) {
  auto reply = client_->RegisterWorker(name, StateBody("starting", std::move(queues)));
  ASSERT_TRUE(reply.ok()) << reply.status();
}

void BridgeTest::InsertJob(const JobRow& job) {
  pqxx::work tx(*conn_);
  tx.exec_params(
      "INSERT INTO edge_job (dag_id, task_id, run_id, map_index, try_number, state, queue, "
      "concurrency_slots, command, queued_dttm, priority_weight, task_instance_id) VALUES "
      "($1, $2, $3, $4, $5, 'queued', $6, $7, $8, now() - make_interval(secs => $9), $10, $11)",
      job.dag_id, job.task_id, job.run_id, job.map_index, job.try_number, job.queue,
      job.concurrency_slots, job.command, job.queued_seconds_ago, job.priority_weight,
      job.task_instance_id);
  tx.commit();
}

std::string BridgeTest::QueryOne(const std::string& sql) {
  pqxx::work tx(*conn_);
  pqxx::result r = tx.exec(sql);
  if (r.empty()) return "";
  return r[0][0].is_null() ? "NULL" : r[0][0].as<std::string>();
}

void BridgeTest::Exec(const std::string& sql) {
  pqxx::work tx(*conn_);
  tx.exec(sql);
  tx.commit();
}

}  // namespace edgectl::testing
