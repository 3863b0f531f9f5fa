// The sidecar near its open-file limit, as a real process under `prlimit --nofile=300:300`:
// idle TLS connections use up its descriptors; new worker streams are then refused with
// UNAVAILABLE, a retry delay and a message naming the limit, while the worker connected before
// keeps running jobs (the sidecar's own PostgreSQL and REST connections are reserved), and once
// the connections close new workers are admitted again. Nothing is lost or doubled meanwhile.
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "proto/edge_worker.grpc.pb.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/raw_client.h"

namespace edgectl::e2e {
namespace {

constexpr int kSidecarOpenFiles = 300;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class CapacityEndToEndTest : public EndToEndTest {
 protected:
  void AdjustStack(EdgeStackOptions& options) const override {
    options.controlplane_open_file_limit = kSidecarOpenFiles;
  }

  // A channel with a TCP connection of its own (no shared subchannel), connected and idle.
  std::shared_ptr<grpc::Channel> IdleConnection() {
    const std::string dir = stack_->pki()->dir();
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = ReadFile(stack_->pki()->ca());
    tls.pem_cert_chain = ReadFile(dir + "/worker-edge-idle.pem");
    tls.pem_private_key = ReadFile(dir + "/worker-edge-idle.key");
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto channel = grpc::CreateCustomChannel(stack_->controlplane_address(),
                                             grpc::SslCredentials(tls), args);
    channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    return channel;
  }

  // A registration of worker "edge-late" (its own certificate): what a new worker does first.
  // Admitted means it got past the sidecar's gate: OK the first time, ALREADY_EXISTS (Airflow's
  // 409 for a worker already active) after that.
  static bool Admitted(const grpc::Status& s) {
    return s.ok() || s.error_code() == grpc::StatusCode::ALREADY_EXISTS;
  }
  static bool RefusedForDescriptors(const grpc::Status& s) {
    return s.error_code() == grpc::StatusCode::UNAVAILABLE &&
           absl::StrContains(s.error_message(), "open-file limit");
  }
  grpc::Status RegisterLateWorker(std::string* retry_after) {
    auto stub = RawStub(stack_->controlplane_address(), stack_->pki()->ca(),
                        testing::CertAndKey{stack_->pki()->dir() + "/worker-edge-late.pem",
                                            stack_->pki()->dir() + "/worker-edge-late.key"});
    v1::RegisterRequest request;
    request.set_worker_name("edge-late");
    request.set_protocol_version(v1::PROTOCOL_VERSION_1);
    *request.mutable_body() = RawStateBody("starting");
    v1::RegisterResponse reply;
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    grpc::Status status = stub->Register(&ctx, request, &reply);
    retry_after->clear();
    for (const auto& [key, value] : ctx.GetServerTrailingMetadata()) {
      if (absl::StrContains(std::string(key.data(), key.size()), "retry")) {
        *retry_after = std::string(value.data(), value.size());
      }
    }
    return status;
  }
};

TEST_F(CapacityEndToEndTest, NearItsOpenFileLimitTheSidecarRefusesNewStreamsAndKeepsServing) {
  auto good = stack_->StartWorker("edge-good");
  ASSERT_TRUE(good.ok()) << good.status();
  ASSERT_TRUE(stack_->PrepareCredentials("edge-idle").ok());
  ASSERT_TRUE(stack_->PrepareCredentials("edge-late").ok());
  EXPECT_TRUE(absl::StrContains(stack_->controlplane()->Stdout() + stack_->controlplane()->Stderr(),
                                "open file limit 300"))
      << "the sidecar logs the limit it runs with";

  // Idle connections until a new worker is refused for the descriptor budget (each takes one
  // descriptor of the sidecar; the limit leaves room for fewer than 300).
  std::vector<std::shared_ptr<grpc::Channel>> idle;
  grpc::Status refused;
  std::string retry_after;
  while (idle.size() < kSidecarOpenFiles) {
    for (int i = 0; i < 10; ++i) idle.push_back(IdleConnection());
    grpc::Status s = RegisterLateWorker(&retry_after);
    if (RefusedForDescriptors(s)) {
      refused = s;
      break;
    }
    // Admitted, or paced by the admission rate (UNAVAILABLE too, another message).
    ASSERT_TRUE(Admitted(s) || s.error_code() == grpc::StatusCode::UNAVAILABLE)
        << s.error_code() << ": " << s.error_message();
  }
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE)
      << "never refused after " << idle.size() << " idle connections";
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "retry after the delay"))
      << refused.error_message();
  EXPECT_FALSE(retry_after.empty()) << "a refused worker is told when to come back";

  // The worker connected before keeps running jobs: its stream, the sidecar's PostgreSQL pool
  // and its REST connections to Airflow are outside the budget new streams compete for.
  for (int i = 0; i < 3; ++i) {
    TaskSpec spec;
    spec.task_id = "while_full_" + std::to_string(i);
    spec.standin = {{"lines", 3}};
    QueuedJob job = Enqueue(spec);
    ASSERT_TRUE(AwaitJobState(spec.task_id, "success", 60)) << JobState(spec.task_id);
    EXPECT_EQ(StoredLog(spec.task_id), LogFile(job));
  }
  EXPECT_EQ(Query("SELECT count(*) FROM edge_job WHERE state <> 'success'"), "0");

  // The connections close: a new worker is admitted again (the budget recounts each second).
  idle.clear();
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  grpc::Status again;
  do {
    again = RegisterLateWorker(&retry_after);
  } while (!Admitted(again) && absl::Now() < deadline);
  EXPECT_TRUE(Admitted(again)) << again.error_code() << ": " << again.error_message();
}

}  // namespace
}  // namespace edgectl::e2e
