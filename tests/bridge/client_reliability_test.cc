// Retries as edge3's: injected 503s are retried until they succeed, 4xx are not retried (the
// double's counters prove it), an unreachable API fails clearly after the configured attempts.
#include "absl/strings/str_cat.h"
#include "tests/bridge/bridge_test_env.h"
#include "tests/fixtures/free_port.h"

namespace edgectl::testing {
namespace {

using airflow_double::Endpoint;

TEST_F(BridgeTest, Injected503sAreRetriedAndSucceed) {
  RegisterWorker("w");
  bridge::EdgeApiClientOptions options = ClientOptions();
  options.retry.attempts = 40;
  std::atomic<int> sleeps{0};
  bridge::EdgeApiClientCollaborators counting;
  counting.sleeper = [&](absl::Duration d) {
    ++sleeps;
    absl::SleepFor(d);  // at most 5 ms by the options
  };
  auto client = MakeClient(options, std::move(counting));
  double_->ResetCounters();
  double_->SetFaults(0.5, absl::ZeroDuration());
  for (int i = 0; i < 20; ++i) {
    auto reply = client->SetState("w", StateBody("idle"));
    ASSERT_TRUE(reply.ok()) << reply.status();
  }
  const int64_t requests = double_->RequestCount(Endpoint::kSetState);
  EXPECT_GT(requests, 20) << "no 503 was injected, the test proves nothing";
  EXPECT_EQ(requests - 20, sleeps.load());  // one wait before every retry
}

TEST_F(BridgeTest, PersistentFailureIsUnavailableAfterAllAttempts) {
  double_->SetFaults(1.0, absl::ZeroDuration());
  double_->ResetCounters();
  auto reply = client_->Health();
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(bridge::HttpStatusOf(reply.status()), 503);
  EXPECT_EQ(double_->RequestCount(Endpoint::kHealth), 3);
}

TEST_F(BridgeTest, ClientErrorsAreNotRetried) {
  bridge::EdgeApiClientOptions options = ClientOptions();
  options.retry.attempts = 5;
  auto client = MakeClient(options);
  double_->ResetCounters();
  EXPECT_EQ(client->SetState("ghost", StateBody("idle")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(double_->RequestCount(Endpoint::kSetState), 1);
  RegisterWorker("w");
  double_->ResetCounters();
  EXPECT_EQ(client->RegisterWorker("w", StateBody("starting")).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(double_->RequestCount(Endpoint::kRegister), 1);
}

TEST_F(BridgeTest, SlowServerHitsTheRequestTimeoutAndIsRetried) {
  bridge::EdgeApiClientOptions options = ClientOptions();
  options.transport.request_timeout = absl::Milliseconds(100);
  options.retry.attempts = 2;
  auto client = MakeClient(options);
  double_->ResetCounters();
  double_->SetFaults(0, absl::Milliseconds(600));
  auto reply = client->Health();
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(reply.status().message().find("after 2 attempts"), std::string::npos) << reply.status();
  EXPECT_EQ(double_->RequestCount(Endpoint::kHealth), 2);
}

TEST_F(BridgeTest, UnreachableApiIsUnavailableAfterConfiguredAttempts) {
  bridge::EdgeApiClientOptions options = ClientOptions();
  options.api_url =
      absl::StrCat("http://127.0.0.1:", *FreeLoopbackPort(), "/edge_worker/v1/rpcapi");
  options.retry.attempts = 4;
  std::vector<absl::Duration> waits;
  bridge::EdgeApiClientCollaborators recording;
  recording.sleeper = [&](absl::Duration d) { waits.push_back(d); };
  auto client = MakeClient(options, std::move(recording));
  auto reply = client->RegisterWorker("w", StateBody("starting"));
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(bridge::HttpStatusOf(reply.status()), 0);
  EXPECT_NE(reply.status().message().find("unreachable after 4 attempts"), std::string::npos)
      << reply.status();
  EXPECT_NE(reply.status().message().find("[edge] api_url"), std::string::npos);
  EXPECT_EQ(waits.size(), 3u);
}

TEST(EdgeApiClientOptionsTest, FromAirflowConfigReadsAirflowsOptions) {
  absl::StatusOr<AirflowConfig> config = AirflowConfig::FromText(
      "[edge]\napi_url = https://af.example/edge_worker/v1/rpcapi\n"
      "[api_auth]\njwt_secret = abc\njwt_issuer = https://issuer.example\n"
      "[edgectl]\napi_ca_bundle = /etc/ssl/ca.pem\napi_connect_timeout = 2.5\napi_max_connections = 4\n",
      {});
  ASSERT_TRUE(config.ok()) << config.status();
  auto options = bridge::EdgeApiClientOptions::FromAirflowConfig(
      *config, [](const std::string& name) -> std::optional<std::string> {
        if (name == "AIRFLOW__WORKERS__API_RETRIES") return "6";
        return std::nullopt;
      });
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->api_url, "https://af.example/edge_worker/v1/rpcapi");
  EXPECT_EQ(options->jwt_leeway_seconds, 10);  // Airflow core's default
  EXPECT_EQ(options->jwt_issuer, "https://issuer.example");
  EXPECT_EQ(options->retry.attempts, 6);
  EXPECT_EQ(options->transport.ca_bundle, "/etc/ssl/ca.pem");
  EXPECT_EQ(options->transport.connect_timeout, absl::Milliseconds(2500));
  EXPECT_EQ(options->transport.max_connections, 4);
}

TEST(EdgeApiClientOptionsTest, MissingSecretOrUrlIsAClearError) {
  auto no_secret = bridge::EdgeApiClientOptions::FromAirflowConfig(
      *AirflowConfig::FromText("[edge]\napi_url = https://af.example/edge_worker/v1/\n", {}),
      [](const std::string&) { return std::nullopt; });
  EXPECT_EQ(no_secret.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_secret.status().message().find("[api_auth] jwt_secret"), std::string::npos);
  auto no_url = bridge::EdgeApiClientOptions::FromAirflowConfig(
      *AirflowConfig::FromText("[api_auth]\njwt_secret = x\n", {}),
      [](const std::string&) { return std::nullopt; });
  EXPECT_NE(no_url.status().message().find("[edge] api_url"), std::string::npos);
}

}  // namespace
}  // namespace edgectl::testing
