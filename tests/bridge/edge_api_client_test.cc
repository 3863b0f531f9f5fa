// Every endpoint through the real client, over real HTTP, against the double on real tables.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bridge/edge_api_client.h"
#include "tests/bridge/bridge_test_env.h"

namespace edgectl::testing {
namespace {

using bridge::JobKey;

JobKey KeyOf(const JobRow& job) {
  JobKey key;
  key.dag_id = job.dag_id;
  key.task_id = job.task_id;
  key.run_id = job.run_id;
  key.try_number = job.try_number;
  key.map_index = job.map_index;
  key.task_instance_id = job.task_instance_id;
  return key;
}

TEST_F(BridgeTest, HealthNeedsNoToken) {
  auto wrong_secret = MakeClient(ClientOptions("not-the-secret"));
  auto health = wrong_secret->Health();
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, (std::map<std::string, std::string>{{"status", "healthy"}}));
}

TEST_F(BridgeTest, RegisterStoresTheWorkerAsEdge3Does) {
  auto reply = client_->RegisterWorker("edge-1.site-a",
                                       StateBody("starting", std::vector<std::string>{"default", "gpu"}));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(reply->versions_match);
  EXPECT_FALSE(reply->last_update.empty());
  const std::string where = " FROM edge_worker WHERE worker_name = 'edge-1.site-a'";
  EXPECT_EQ(QueryOne("SELECT state" + where), "starting");
  EXPECT_EQ(QueryOne("SELECT queues" + where), "['default', 'gpu']");
  EXPECT_EQ(QueryOne("SELECT sysinfo->>'airflow_version'" + where), kAirflowVersion);
  EXPECT_EQ(QueryOne("SELECT (sysinfo->>'concurrency')::int" + where), "8");
  EXPECT_EQ(QueryOne("SELECT first_online IS NOT NULL AND last_update IS NOT NULL" + where), "t");
}

TEST_F(BridgeTest, RegisterWithNullQueuesStoresNull) {
  RegisterWorker("w-all");
  EXPECT_EQ(QueryOne("SELECT queues FROM edge_worker WHERE worker_name = 'w-all'"), "NULL");
}

TEST_F(BridgeTest, DuplicateActiveWorkerIsAlreadyExistsButOfflineMayReregister) {
  RegisterWorker("dup");
  auto again = client_->RegisterWorker("dup", StateBody("starting"));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(bridge::HttpStatusOf(again.status()), 409);
  EXPECT_NE(again.status().message().find("already active in state 'starting'"), std::string::npos)
      << again.status();
  Exec("UPDATE edge_worker SET state = 'offline' WHERE worker_name = 'dup'");
  EXPECT_TRUE(client_->RegisterWorker("dup", StateBody("starting")).ok());
}

TEST_F(BridgeTest, NamesThatQuoteChangesStillAuthenticate) {
  // edge3 signs the quoted name and is refused for such names; the client signs what Airflow
  // checks (the decoded path), so they work.
  const std::string name = "ops@edge host+1";
  RegisterWorker(name);
  EXPECT_EQ(QueryOne("SELECT count(*) FROM edge_worker WHERE worker_name = 'ops@edge host+1'"), "1");
  auto reply = client_->SetState(name, StateBody("idle"));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->state, "idle");
}

TEST_F(BridgeTest, SetStateReturnsTheServerSideView) {
  RegisterWorker("w1", std::vector<std::string>{"a"});
  Exec("UPDATE edge_worker SET state = 'maintenance request', maintenance_comment = 'admin: swap disk', "
       "concurrency = 4 WHERE worker_name = 'w1'");
  bridge::WorkerStateBody body = StateBody("running");
  body.jobs_active = 2;
  body.maintenance_comments = "worker: noted";
  auto reply = client_->SetState("w1", body);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->state, "maintenance request");  // the pending request wins
  EXPECT_EQ(reply->queues, std::vector<std::string>{"a"});
  EXPECT_EQ(reply->maintenance_comments, "admin: swap disk\n\nworker: noted");
  EXPECT_EQ(reply->concurrency, 4);
  EXPECT_TRUE(reply->versions_match);
  EXPECT_EQ(QueryOne("SELECT jobs_active FROM edge_worker WHERE worker_name = 'w1'"), "2");
  // The worker acknowledges: maintenance pending is stored.
  auto ack = client_->SetState("w1", StateBody("maintenance pending"));
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->state, "maintenance pending");
  Exec("UPDATE edge_worker SET state = 'maintenance exit' WHERE worker_name = 'w1'");
  auto exit = client_->SetState("w1", StateBody("maintenance mode"));
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->state, "idle");
  EXPECT_FALSE(exit->maintenance_comments.has_value());
}

TEST_F(BridgeTest, UnknownWorkerIsNotFound) {
  auto state = client_->SetState("ghost", StateBody("idle"));
  EXPECT_EQ(state.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(bridge::HttpStatusOf(state.status()), 404);
  bridge::FetchRequest fetch;
  fetch.free_concurrency = 1;
  EXPECT_EQ(client_->FetchJob("ghost", fetch).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(client_->UpdateQueues("ghost", std::vector<std::string>{"a"}, std::nullopt).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(BridgeTest, UpdateQueuesAddsAndRemoves) {
  RegisterWorker("wq", std::vector<std::string>{"a", "b"});
  ASSERT_TRUE(client_->UpdateQueues("wq", std::vector<std::string>{"c", "a"},
                                    std::vector<std::string>{"b"}).ok());
  EXPECT_EQ(QueryOne("SELECT queues FROM edge_worker WHERE worker_name = 'wq'"), "['a', 'c']");
  ASSERT_TRUE(client_->UpdateQueues("wq", std::nullopt, std::vector<std::string>{"a", "c"}).ok());
  EXPECT_EQ(QueryOne("SELECT queues FROM edge_worker WHERE worker_name = 'wq'"), "NULL");
}

TEST_F(BridgeTest, FetchHandsOutTheJobThenNull) {
  RegisterWorker("edge-2.site-b");
  JobRow job;
  job.dag_id = "etl.daily";
  job.map_index = 3;
  job.concurrency_slots = 2;
  InsertJob(job);
  bridge::FetchRequest request;
  request.free_concurrency = 4;
  auto fetched = client_->FetchJob("edge-2.site-b", request);
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  ASSERT_TRUE(fetched->has_value());
  const bridge::EdgeJobFetched& got = **fetched;
  EXPECT_EQ(got.key.dag_id, "etl.daily");
  EXPECT_EQ(got.key.task_id, "task");
  EXPECT_EQ(got.key.run_id, "manual__2026-01-01T00:00:00+00:00");
  EXPECT_EQ(got.key.map_index, 3);
  EXPECT_EQ(got.key.try_number, 1);
  EXPECT_EQ(got.concurrency_slots, 2);
  EXPECT_EQ(got.key.task_instance_id, "");
  EXPECT_EQ(nlohmann::json::parse(got.command), nlohmann::json::parse(job.command));
  EXPECT_EQ(QueryOne("SELECT state || ' ' || edge_worker || ' ' || (last_update IS NOT NULL) "
                     "FROM edge_job"),
            "restarting edge-2.site-b true");
  auto none = client_->FetchJob("edge-2.site-b", request);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
}

TEST_F(BridgeTest, UuidJobsNeedAWorkerThatSupportsThem) {
  RegisterWorker("w-old");
  JobRow job;
  job.task_instance_id = "0199a3c5-2f4e-7c1a-9b5d-1234567890ab";
  InsertJob(job);
  bridge::FetchRequest request;
  request.free_concurrency = 1;
  request.supports_task_instance_uuid = false;
  auto refused = client_->FetchJob("w-old", request);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(QueryOne("SELECT state FROM edge_job"), "queued");
  request.supports_task_instance_uuid = true;
  auto fetched = client_->FetchJob("w-old", request);
  ASSERT_TRUE(fetched.ok() && fetched->has_value()) << fetched.status();
  EXPECT_EQ((*fetched)->key.task_instance_id, job.task_instance_id);
  // State reports for UUID jobs carry the UUID in the body.
  ASSERT_TRUE(client_->SetJobState((*fetched)->key, "running").ok());
  EXPECT_EQ(QueryOne("SELECT state FROM edge_job"), "running");
}

TEST_F(BridgeTest, JobStateUpdatesTheRowAddressedByUnquotedIds) {
  JobRow job;
  job.dag_id = "my.dag.v2";
  job.task_id = "group.task-1";
  InsertJob(job);
  absl::Status running = client_->SetJobState(KeyOf(job), "running");
  ASSERT_TRUE(running.ok()) << running;
  EXPECT_EQ(QueryOne("SELECT state || ' ' || (last_update IS NOT NULL) FROM edge_job"), "running true");
  ASSERT_TRUE(client_->SetJobState(KeyOf(job), "success").ok());
  EXPECT_EQ(QueryOne("SELECT state FROM edge_job"), "success");
  // An unknown job is silently ignored, as edge3 does.
  JobRow other = job;
  other.try_number = 9;
  EXPECT_TRUE(client_->SetJobState(KeyOf(other), "failed").ok());
}

TEST_F(BridgeTest, LogfilePathIsAirflowsDefaultTemplate) {
  JobRow job;
  job.dag_id = "my.dag";
  InsertJob(job);
  auto path = client_->LogfilePath(KeyOf(job));
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, "dag_id=my.dag/run_id=manual__2026-01-01T00:00:00+00:00/task_id=task/attempt=1.log");
  job.map_index = 5;
  InsertJob(job);
  EXPECT_EQ(*client_->LogfilePath(KeyOf(job)),
            "dag_id=my.dag/run_id=manual__2026-01-01T00:00:00+00:00/task_id=task/map_index=5/attempt=1.log");
  job.task_id = "missing";
  EXPECT_EQ(client_->LogfilePath(KeyOf(job)).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(BridgeTest, PushedLogsReadBackByteForByte) {
  JobRow job;
  InsertJob(job);
  const std::string chunk1 = "line 1\n\ttab \"quoted\" back\\slash\n";
  const std::string chunk2 = "unicode: \xc3\xa9\xe2\x82\xac\xf0\x9f\x9a\x80 end\r\n";
  const absl::Time t1 = absl::FromUnixMicros(1767225600123456);
  const absl::Time t2 = t1 + absl::Milliseconds(1);
  ASSERT_TRUE(client_->PushLogs(KeyOf(job), t1, chunk1).ok());
  ASSERT_TRUE(client_->PushLogs(KeyOf(job), t2, chunk2).ok());
  EXPECT_EQ(QueryOne("SELECT string_agg(log_chunk_data, '' ORDER BY log_chunk_time) FROM edge_logs"),
            chunk1 + chunk2);
  EXPECT_EQ(QueryOne("SELECT extract(epoch FROM min(log_chunk_time))::numeric(20,6) FROM edge_logs"),
            "1767225600.123456");
  std::ifstream file(log_folder_ + "/dag_id=dag/run_id=manual__2026-01-01T00:00:00+00:00/task_id=task/attempt=1.log",
                     std::ios::binary);
  std::stringstream content;
  content << file.rdbuf();
  EXPECT_EQ(content.str(), chunk1 + chunk2);
}

TEST_F(BridgeTest, ClientIsSafeAcrossThreadsWithABoundedPool) {
  bridge::EdgeApiClientOptions options = ClientOptions();
  options.transport.max_connections = 2;
  auto client = MakeClient(options);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) ok += client->Health().ok();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 120);
}

}  // namespace
}  // namespace edgectl::testing
