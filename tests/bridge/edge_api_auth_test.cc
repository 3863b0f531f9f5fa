// Tokens Airflow refuses (403) and versions it rejects (400), surfaced as typed, clear errors.
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "bridge/http_transport.h"
#include "bridge/jwt_signer.h"
#include "tests/bridge/bridge_test_env.h"

namespace edgectl::testing {
namespace {

using airflow_double::Endpoint;

// Replaces the client's token with one built by `mint` (given the signed method claim).
class TokenSwappingTransport : public bridge::HttpTransport {
 public:
  explicit TokenSwappingTransport(std::function<std::string()> mint)
      : inner_(bridge::CurlTransportOptions{}), mint_(std::move(mint)) {}
  absl::StatusOr<bridge::HttpResponse> Send(const bridge::HttpRequest& request) override {
    bridge::HttpRequest copy = request;
    for (auto& [name, value] : copy.headers) {
      if (name == "Authorization") value = mint_();
    }
    return inner_.Send(copy);
  }

 private:
  bridge::CurlTransport inner_;
  std::function<std::string()> mint_;
};

// A token with chosen claims, signed correctly with the shared secret.
std::string SignedToken(const nlohmann::json& claims) {
  const std::string input = absl::StrCat(bridge::Base64UrlEncode(R"({"alg":"HS512","typ":"JWT"})"),
                                         ".", bridge::Base64UrlEncode(claims.dump()));
  return absl::StrCat(input, ".", bridge::Base64UrlEncode(bridge::HmacSha512(kSecret, input)));
}

nlohmann::json Claims(const std::string& method, const std::string& aud) {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  return {{"jti", bridge::Uuid4Hex()}, {"aud", aud}, {"nbf", now}, {"exp", now + 10},
          {"iat", now}, {"method", method}};
}

void ExpectForbidden(const absl::Status& status, const std::string& cause) {
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
  EXPECT_EQ(bridge::HttpStatusOf(status), 403);
  EXPECT_NE(status.message().find("Forbidden. The server side traceback"), std::string::npos) << status;
  EXPECT_NE(status.message().find("likely cause: " + cause), std::string::npos) << status;
  EXPECT_EQ(status.message().find(kSecret), std::string::npos) << "secret leaked: " << status;
}

TEST_F(BridgeTest, WrongSecretIsForbiddenAndBlamesTheSecret) {
  auto client = MakeClient(ClientOptions("a-different-secret"));
  auto reply = client->RegisterWorker("w", StateBody("starting"));
  ExpectForbidden(reply.status(), "the secret");
  EXPECT_EQ(reply.status().message().find("a-different-secret"), std::string::npos);
  EXPECT_EQ(double_->RequestCount(Endpoint::kRegister), 1);  // 403 is not retried
  EXPECT_EQ(QueryOne("SELECT count(*) FROM edge_worker"), "0");
}

TEST_F(BridgeTest, ExpiredTokenIsForbiddenAndBlamesClockSkew) {
  bridge::EdgeApiClientCollaborators slow_clock;
  slow_clock.clock = [] { return absl::Now() - absl::Hours(1); };
  auto client = MakeClient(ClientOptions(), std::move(slow_clock));
  auto reply = client->FetchJob("w", bridge::FetchRequest{});
  ExpectForbidden(reply.status(), "clock skew");
  EXPECT_NE(reply.status().message().find("jwt_leeway"), std::string::npos);
}

TEST_F(BridgeTest, WrongMethodClaimIsForbidden) {
  RegisterWorker("w");
  bridge::EdgeApiClientCollaborators swap;
  swap.transport = std::make_unique<TokenSwappingTransport>(
      [] { return SignedToken(Claims("worker/someone-else", "api")); });
  auto client = MakeClient(ClientOptions(), std::move(swap));
  ExpectForbidden(client->SetState("w", StateBody("idle")).status(), "the secret");
  EXPECT_EQ(QueryOne("SELECT state FROM edge_worker"), "starting");
}

TEST_F(BridgeTest, PathRewritingProxyIsBlamedOnTheMethodClaim) {
  // A proxy publishes the API under /gateway/ and lower-cases paths on the way: the signed
  // method "worker/Edge-A" no longer equals the path Airflow sees.
  class LowerCasingProxy : public bridge::HttpTransport {
   public:
    absl::StatusOr<bridge::HttpResponse> Send(const bridge::HttpRequest& request) override {
      bridge::HttpRequest copy = request;
      copy.url = absl::StrReplaceAll(copy.url, {{"/gateway/", "/edge_worker/v1/"}, {"Edge-A", "edge-a"}});
      return inner_.Send(copy);
    }
    bridge::CurlTransport inner_{bridge::CurlTransportOptions{}};
  };
  RegisterWorker("edge-a");
  bridge::EdgeApiClientOptions options = ClientOptions();
  options.api_url = absl::StrCat("http://127.0.0.1:", double_->port(), "/gateway/");
  bridge::EdgeApiClientCollaborators proxy;
  proxy.transport = std::make_unique<LowerCasingProxy>();
  auto client = MakeClient(options, std::move(proxy));
  ExpectForbidden(client->SetState("Edge-A", StateBody("idle")).status(), "the method claim");
}

TEST_F(BridgeTest, WrongAudienceIsForbidden) {
  RegisterWorker("w");
  bridge::EdgeApiClientCollaborators swap;
  swap.transport = std::make_unique<TokenSwappingTransport>(
      [] { return SignedToken(Claims("worker/w", "not-api")); });
  auto client = MakeClient(ClientOptions(), std::move(swap));
  ExpectForbidden(client->SetState("w", StateBody("idle")).status(), "the secret");
  // The same hand-made token with the right audience passes: the audience was the problem.
  bridge::EdgeApiClientCollaborators good;
  good.transport = std::make_unique<TokenSwappingTransport>(
      [] { return SignedToken(Claims("worker/w", "api")); });
  auto ok_client = MakeClient(ClientOptions(), std::move(good));
  EXPECT_TRUE(ok_client->SetState("w", StateBody("idle")).ok());
}

TEST_F(BridgeTest, VersionMismatchOnRegisterIsFailedPreconditionAndStoresNothing) {
  bridge::WorkerStateBody body = StateBody("starting");
  body.sysinfo["airflow_version"] = std::string("2.10.5");
  auto reply = client_->RegisterWorker("old-worker", body);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kFailedPrecondition) << reply.status();
  EXPECT_EQ(bridge::HttpStatusOf(reply.status()), 400);
  EXPECT_NE(reply.status().message().find(
                "Edge Worker runs on Airflow 2.10.5 and the core runs on 3.1.0. Rejecting access "
                "due to difference."),
            std::string::npos)
      << reply.status();
  EXPECT_EQ(double_->RequestCount(Endpoint::kRegister), 1);
  EXPECT_EQ(QueryOne("SELECT count(*) FROM edge_worker"), "0");
}

TEST_F(BridgeTest, VersionMismatchOnSetStateStillStoresTheState) {
  RegisterWorker("w");
  bridge::WorkerStateBody body = StateBody("running");
  body.jobs_active = 3;
  body.sysinfo["edge_provider_version"] = std::string("4.3.2");
  auto reply = client_->SetState("w", body);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kFailedPrecondition) << reply.status();
  EXPECT_NE(reply.status().message().find("Edge Provider 4.3.2"), std::string::npos);
  EXPECT_NE(reply.status().message().find("state was stored"), std::string::npos);
  EXPECT_EQ(QueryOne("SELECT state || ' ' || jobs_active FROM edge_worker"), "running 3");
}

TEST_F(BridgeTest, MissingVersionsAreRejected) {
  bridge::WorkerStateBody body = StateBody("starting");
  body.sysinfo.erase("edge_provider_version");
  auto reply = client_->RegisterWorker("w", body);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(reply.status().message().find("does not specify the provider version"), std::string::npos);
}

TEST_F(BridgeTest, MalformedBodiesGetFastApiValidationErrors) {
  bridge::CurlTransport transport({});
  bridge::JwtSigner signer({kSecret, 10, std::nullopt});
  bridge::HttpRequest request;
  request.method = "POST";
  request.url = double_->api_url() + "worker/w";
  request.headers = {{"Authorization", signer.Mint("worker/w")}, {"Content-Type", "application/json"}};
  request.body = R"({"state":"sleeping","jobs_active":"many"})";
  auto response = transport.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 422);
  nlohmann::json detail = nlohmann::json::parse(response->body)["detail"];
  ASSERT_TRUE(detail.is_array());
  std::set<std::string> fields;
  for (const auto& e : detail) fields.insert(e["loc"][1].get<std::string>());
  EXPECT_TRUE(fields.count("jobs_active") && fields.count("sysinfo")) << response->body;
  request.body = "{not json";
  request.headers[0].second = signer.Mint("worker/w");
  response = transport.Send(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 422);
  EXPECT_EQ(nlohmann::json::parse(response->body)["detail"][0]["type"], "json_invalid");
  // A log chunk with an unparsable time is refused field by field, nothing is stored.
  JobRow job;
  InsertJob(job);
  const std::string push = "logs/push/dag/task/manual__2026-01-01T00:00:00+00:00/1/-1";
  request.url = double_->api_url() + push;
  request.headers[0].second = signer.Mint(push);
  request.body = R"({"log_chunk_time":"yesterday","log_chunk_data":"x"})";
  response = transport.Send(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 422) << response->body;
  EXPECT_EQ(nlohmann::json::parse(response->body)["detail"][0]["loc"][1], "log_chunk_time");
  EXPECT_EQ(QueryOne("SELECT count(*) FROM edge_logs"), "0");
}

}  // namespace
}  // namespace edgectl::testing
