// Register / Heartbeat through the real sidecar over gRPC: relay to the EdgeApi (a fake playing
// Airflow on a real edge3 database), the sidecar's own validation, and error-code mapping.
#include <gtest/gtest.h>

#include "tests/controlplane/sidecar_harness.h"
#include "tests/fixtures/edge_database.h"

namespace edgectl::testing {
namespace {

using Endpoint = FakeEdgeApi::Endpoint;

class RegisterHeartbeatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dsn_ = CreateEdgeDatabase("cp_register");
    ASSERT_FALSE(dsn_.empty());
    api_ = std::make_shared<FakeEdgeApi>(dsn_);
    auto options = TestOptions(dsn_);
    options.heartbeat_interval_seconds = 17;
    sidecar_ = std::make_unique<Sidecar>(dsn_, api_, options);
    ASSERT_TRUE(sidecar_->Start());
  }

  // The worker's own stub; a name too long for any token (a validation test) uses w1's.
  v1::EdgeWorkerService::Stub* StubOf(const std::string& name) {
    size_t characters = 0;
    for (unsigned char c : name) characters += (c & 0xC0) != 0x80;
    return sidecar_->StubFor(characters <= 64 ? name : "w1");
  }

  grpc::Status Register(const v1::RegisterRequest& request, v1::RegisterResponse* response) {
    grpc::ClientContext ctx;
    return StubOf(request.worker_name())->Register(&ctx, request, response);
  }

  grpc::Status Heartbeat(const std::string& name, const std::string& state,
                         v1::HeartbeatResponse* response, const std::string& version = "") {
    v1::HeartbeatRequest request;
    request.set_worker_name(name);
    *request.mutable_body() = RegisterRequestFor(name, std::nullopt).body();
    request.mutable_body()->set_state(state);
    if (!version.empty()) {
      (*request.mutable_body()->mutable_sysinfo())["airflow_version"].set_string_value(version);
    }
    request.set_free_concurrency(8);
    grpc::ClientContext ctx;
    return StubOf(name)->Heartbeat(&ctx, request, response);
  }

  std::string dsn_;
  std::shared_ptr<FakeEdgeApi> api_;
  std::unique_ptr<Sidecar> sidecar_;
};

TEST_F(RegisterHeartbeatTest, RegisterRelaysAndReturnsThePacing) {
  v1::RegisterResponse response;
  grpc::Status s = Register(RegisterRequestFor("w1", std::vector<std::string>{"default", "gpu"}),
                            &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.heartbeat_interval_seconds(), 17);
  EXPECT_EQ(response.server_protocol_version(), v1::PROTOCOL_VERSION_2);
  EXPECT_TRUE(response.versions_match());
  EXPECT_GT(response.last_update().seconds(), 1700000000);
  EXPECT_EQ(api_->Calls(Endpoint::kRegister), 1);
  EXPECT_EQ(QueryText(dsn_, "SELECT state || ' ' || queues FROM edge_worker "
                            "WHERE worker_name = 'w1'"),
            "starting ['default', 'gpu']");
}

TEST_F(RegisterHeartbeatTest, RejectsWhatTheSidecarCanCheckItselfWithoutCallingAirflow) {
  v1::RegisterResponse response;
  v1::RegisterRequest old_protocol = RegisterRequestFor("w1", std::nullopt);
  old_protocol.set_protocol_version(v1::PROTOCOL_VERSION_UNSPECIFIED);
  grpc::Status s = Register(old_protocol, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("protocol version 0"), std::string::npos) << s.error_message();

  s = Register(RegisterRequestFor(std::string(65, 'n'), std::nullopt), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("at most 64"), std::string::npos) << s.error_message();
  // 64 characters of two bytes each are fine: the limit counts characters.
  std::string umlauts;
  for (int i = 0; i < 64; ++i) umlauts += "\xC3\xBC";
  EXPECT_TRUE(Register(RegisterRequestFor(umlauts, std::nullopt), &response).ok());

  s = Register(RegisterRequestFor("w2", std::vector<std::string>{std::string(257, 'q')}),
               &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("at most 256"), std::string::npos) << s.error_message();
  EXPECT_EQ(api_->Calls(Endpoint::kRegister), 1);  // only the valid one reached Airflow
}

TEST_F(RegisterHeartbeatTest, KeepsAirflowsErrorCodesAndDetail) {
  v1::RegisterResponse response;
  v1::RegisterRequest mismatch = RegisterRequestFor("w1", std::nullopt);
  (*mismatch.mutable_body()->mutable_sysinfo())["airflow_version"].set_string_value("2.10.5");
  grpc::Status s = Register(mismatch, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("2.10.5"), std::string::npos) << s.error_message();
  EXPECT_NE(s.error_message().find(FakeEdgeApi::kAirflowVersion), std::string::npos);

  ASSERT_TRUE(Register(RegisterRequestFor("w1", std::nullopt), &response).ok());
  s = Register(RegisterRequestFor("w1", std::nullopt), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_NE(s.error_message().find("Cannot start a duplicate worker with the same name"),
            std::string::npos);

  api_->FailNext(Endpoint::kRegister, absl::UnavailableError("HTTP 503: upstream down"));
  s = Register(RegisterRequestFor("w3", std::nullopt), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(s.error_message().find("upstream down"), std::string::npos);

  api_->FailNext(Endpoint::kRegister, absl::PermissionDeniedError("HTTP 403: token refused"));
  s = Register(RegisterRequestFor("w3", std::nullopt), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(RegisterHeartbeatTest, HeartbeatReturnsTheServerSideView) {
  v1::RegisterResponse registered;
  ASSERT_TRUE(Register(RegisterRequestFor("w1", std::vector<std::string>{"default"}),
                       &registered).ok());
  v1::HeartbeatResponse response;
  grpc::Status s = Heartbeat("w1", "idle", &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.state(), "idle");
  ASSERT_TRUE(response.has_queues());
  EXPECT_EQ(response.queues().names(0), "default");
  EXPECT_FALSE(response.has_concurrency());
  EXPECT_EQ(response.heartbeat_interval_seconds(), 17);

  // A central request wins over the reported state; comments and concurrency come back.
  Exec(dsn_, "UPDATE edge_worker SET state = 'maintenance request', "
             "maintenance_comment = 'disk swap', concurrency = 3 WHERE worker_name = 'w1'");
  s = Heartbeat("w1", "idle", &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.state(), "maintenance request");
  EXPECT_EQ(response.maintenance_comments(), "disk swap");
  EXPECT_EQ(response.concurrency(), 3);
}

TEST_F(RegisterHeartbeatTest, HeartbeatErrorsTellTheWorkerWhatToDo) {
  v1::HeartbeatResponse response;
  grpc::Status s = Heartbeat("never-registered", "idle", &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();

  v1::RegisterResponse registered;
  ASSERT_TRUE(Register(RegisterRequestFor("w1", std::nullopt), &registered).ok());
  s = Heartbeat("w1", "idle", &response, "3.2.0");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("3.2.0"), std::string::npos) << s.error_message();
  // edge3 stores the state before answering 400.
  EXPECT_EQ(QueryText(dsn_, "SELECT state FROM edge_worker WHERE worker_name = 'w1'"), "idle");

  api_->FailNext(Endpoint::kSetState, absl::UnavailableError("HTTP 502"));
  s = Heartbeat("w1", "idle", &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(RegisterHeartbeatTest, ConnectOfAnUnregisteredWorkerIsNotFound) {
  ConnectClient client(StubOf("ghost"), ConnectRequestFor("ghost", 4, std::nullopt));
  ASSERT_TRUE(WaitUntil([&] { return client.done(); }));
  EXPECT_EQ(client.status().error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(client.status().error_message().find("Register"), std::string::npos);
}

TEST_F(RegisterHeartbeatTest, GetLogfilePathRelaysForTheWorkersOwnJobOnly) {
  const v1::JobKey key = EnqueueJob(dsn_, "t");
  Exec(dsn_, "UPDATE edge_job SET state = 'running', edge_worker = 'w1' WHERE task_id = 't'");
  v1::LogfilePath path;
  grpc::ClientContext ctx;
  ASSERT_TRUE(StubOf("w1")->GetLogfilePath(&ctx, key, &path).ok());
  EXPECT_EQ(path.path(),
            "dag_id=example_dag/run_id=manual__2026-01-01T00:00:00+00:00/task_id=t/attempt=1.log");
  grpc::ClientContext other;
  grpc::Status s = StubOf("w2")->GetLogfilePath(&other, key, &path);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
}

}  // namespace
}  // namespace edgectl::testing
