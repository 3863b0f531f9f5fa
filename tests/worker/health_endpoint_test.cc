// The worker's health endpoint over real HTTP, fed by a WorkerStatusBoard: /status carries the
// published snapshot, /metrics its families (plus process and build), writes are refused, and
// a bad or taken address is a clear error.
#include "worker/health/health_endpoint.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/health/worker_health_report.h"
#include "worker/health/worker_status_board.h"

namespace edgectl::worker {
namespace {

using ::testing::HasSubstr;

WorkerSnapshot Running() {
  WorkerSnapshot s;
  s.worker_name = "edge-1";
  s.status.state = "running";
  s.status.job_count = 1;
  s.status.jobs.emplace_back("dag", "task", "run_1", 1, -1);
  s.concurrency = 4;
  s.free_slots = 3;
  s.sidecar_address = "sidecar:50051";
  s.sidecar_connected = true;
  s.sidecar_changed_at = absl::FromUnixSeconds(1767225600);
  s.heartbeats_ok = 5;
  s.heartbeats_failed = 2;
  s.last_heartbeat_ok = absl::FromUnixSeconds(1767225630);
  s.jobs_accepted = 1;
  return s;
}

TEST(HealthEndpointTest, ServesTheLatestSnapshot) {
  WorkerStatusBoard board;
  HealthEndpoint endpoint(board);
  absl::StatusOr<int> port = endpoint.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status();
  httplib::Client client("127.0.0.1", *port);

  auto before = client.Get("/status");
  ASSERT_TRUE(before);
  EXPECT_EQ(nlohmann::json::parse(before->body)["state"], "starting");

  board.Publish(Running());
  auto status = client.Get("/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200);
  nlohmann::json json = nlohmann::json::parse(status->body);
  EXPECT_EQ(json["worker_name"], "edge-1");
  EXPECT_EQ(json["state"], "running");
  EXPECT_EQ(json["job_count"], 1);
  EXPECT_EQ(json["jobs"][0]["task_id"], "task");
  EXPECT_EQ(json["sidecar"]["connected"], true);
  EXPECT_EQ(json["sidecar"]["address"], "sidecar:50051");
  EXPECT_EQ(json["sidecar"]["since"], "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(json["last_heartbeat"], "2026-01-01T00:00:30.000000Z");
  EXPECT_EQ(json["heartbeats"]["failed"], 2);

  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->get_header_value("Content-Type"), HasSubstr("version=0.0.4"));
  EXPECT_THAT(metrics->body, HasSubstr("edgectl_worker_state{state=\"running\"} 1"));
  EXPECT_THAT(metrics->body, HasSubstr("edgectl_worker_jobs_running 1"));
  EXPECT_THAT(metrics->body, HasSubstr("edgectl_worker_free_slots 3"));
  EXPECT_THAT(metrics->body, HasSubstr("edgectl_worker_heartbeats_total{outcome=\"failed\"} 2"));
  EXPECT_THAT(metrics->body, HasSubstr("edgectl_worker_last_heartbeat_timestamp_seconds 1767225630"));
  EXPECT_THAT(metrics->body, HasSubstr("edgectl_worker_build_info{version="));
  EXPECT_THAT(metrics->body, HasSubstr("process_resident_memory_bytes "));

  auto post = client.Post("/status", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
}

TEST(HealthEndpointTest, BadOrTakenAddressesAreClearErrors) {
  WorkerStatusBoard board;
  HealthEndpoint first(board);
  absl::StatusOr<int> port = first.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status();
  HealthEndpoint second(board);
  absl::StatusOr<int> taken = second.Start("127.0.0.1:" + std::to_string(*port));
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(taken.status().message(), HasSubstr("--health-check-addr"));
  HealthEndpoint third(board);
  absl::StatusOr<int> bad = third.Start("8790");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("HOST:PORT"));
}

}  // namespace
}  // namespace edgectl::worker
