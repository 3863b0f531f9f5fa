// End to end with edge3's OIDC mode: the Airflow API double verifies worker tokens against the
// JWKS of an OIDC issuer run by the test ([edge] trusted_jwks_url, jwt_issuer, jwt_audience), so
// a token signed with the shared jwt_secret is refused; the sidecar obtains its tokens from the
// issuer's token endpoint (client credentials, secret through `_cmd`) and a job runs through it.
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bridge/jwt_signer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/fixtures/oidc_issuer.h"

namespace edgectl::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kClientSecret[] = "oidc-client-s3cret-for-the-sidecar-4711";
constexpr char kIssuer[] = "https://issuer.edgectl.test";
constexpr char kAudience[] = "airflow-edge-api";

class OidcEndToEndTest : public EndToEndTest {
 protected:
  void SetUp() override {
    testing::OidcIssuerOptions options;
    options.client_secret = kClientSecret;
    options.issuer = kIssuer;
    options.audience = kAudience;
    auto issuer = testing::OidcIssuer::Start(options);
    ASSERT_TRUE(issuer.ok()) << issuer.status();
    issuer_ = *std::move(issuer);
    if (RevokedFromTheStart()) issuer_->Revoke();
    char templ[] = "/tmp/edgectl-oidc-secret-XXXXXX";
    const int fd = mkstemp(templ);
    ASSERT_GE(fd, 0);
    close(fd);
    secret_file_ = templ;
    std::ofstream(secret_file_) << kClientSecret;
    EndToEndTest::SetUp();
  }
  void TearDown() override {
    EndToEndTest::TearDown();
    std::remove(secret_file_.c_str());
  }
  virtual bool RevokedFromTheStart() const { return false; }

  std::vector<std::string> DoubleArgs() const override {
    return {"--trusted_jwks_url=" + issuer_->jwks_url(), absl::StrCat("--edge_jwt_issuer=", kIssuer),
            absl::StrCat("--jwt_audience=", kAudience)};
  }
  std::map<std::string, std::string> ControlPlaneEnv() const override {
    return {{"AIRFLOW__EDGE__CONTROLPLANE_OIDC_TOKEN_URL", issuer_->token_url()},
            {"AIRFLOW__EDGE__CONTROLPLANE_OIDC_CLIENT_ID", "edgectl-sidecar"},
            {"AIRFLOW__EDGE__CONTROLPLANE_OIDC_CLIENT_SECRET_CMD", "cat " + secret_file_},
            {"AIRFLOW__EDGE__CONTROLPLANE_OIDC_AUDIENCE", kAudience}};
  }

  std::string SidecarOutput() {
    return stack_->controlplane()->Stdout() + stack_->controlplane()->Stderr();
  }

  std::unique_ptr<testing::OidcIssuer> issuer_;
  std::string secret_file_;
};

TEST_F(OidcEndToEndTest, AJobRunsWithIssuerTokensAndOneTokenServesAllCalls) {
  // The double is in JWKS mode: the shared-secret token edge3's default mode sends is refused.
  {
    const std::string url = stack_->api_url();  // http://127.0.0.1:PORT/edge_worker/v1/rpcapi
    int port = 0;
    ASSERT_TRUE(absl::SimpleAtoi(url.substr(17, url.find('/', 17) - 17), &port)) << url;
    bridge::JwtSigner signer({stack_->options().jwt_secret, 30, std::nullopt});
    httplib::Client client("127.0.0.1", port);
    auto res = client.Patch("/edge_worker/v1/worker/edge-oidc-1",
                            {{"Authorization", signer.Mint("worker/edge-oidc-1")}},
                            std::string("{}"), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403);
  }

  auto worker = stack_->StartWorker("edge-oidc-1");
  ASSERT_TRUE(worker.ok()) << worker.status();
  TaskSpec spec;
  spec.task_id = "oidc_task";
  spec.standin = {{"lines", 20}, {"line_interval", 0.01}};
  QueuedJob job = Enqueue(spec);
  ASSERT_TRUE(AwaitJobState("oidc_task", "success"));
  const std::string file = LogFile(job);
  ASSERT_THAT(file, HasSubstr("line 19 of"));
  EXPECT_EQ(StoredLog("oidc_task"), file);
  EXPECT_EQ(WorkerState("edge-oidc-1"), "idle");

  // Register, heartbeats, fetches, state and log calls: all with the one cached token.
  EXPECT_EQ(issuer_->token_requests(), 1);
  EXPECT_EQ(issuer_->tokens_issued(), 1);
  EXPECT_THAT(SidecarOutput(), HasSubstr("tokens for Airflow's API from the OIDC issuer"));
  EXPECT_THAT(SidecarOutput(), Not(HasSubstr(kClientSecret)));
  // The double refused only the shared-secret token sent above.
  const std::string double_log =
      stack_->airflow_double()->Stdout() + stack_->airflow_double()->Stderr();
  EXPECT_THAT(double_log, HasSubstr("token algorithm 'HS512' is not allowed"));
  EXPECT_EQ(double_log.find("403 for"), double_log.rfind("403 for")) << double_log;
}

class RevokedOidcClientTest : public OidcEndToEndTest {
 protected:
  bool RevokedFromTheStart() const override { return true; }
};

TEST_F(RevokedOidcClientTest, TheSidecarSaysWhichClientTheIssuerRefusedAndNeverPrintsTheSecret) {
  absl::StatusOr<std::string> said = stack_->controlplane()->WaitForOutput(
      "refused client id 'edgectl-sidecar'", absl::Seconds(30));
  ASSERT_TRUE(said.ok()) << SidecarOutput();
  const std::string output = SidecarOutput();
  EXPECT_THAT(output, HasSubstr(issuer_->token_url()));
  EXPECT_THAT(output, HasSubstr("invalid_client"));
  EXPECT_THAT(output, HasSubstr("controlplane_oidc_client_secret"));
  EXPECT_THAT(output, Not(HasSubstr(kClientSecret)));
  EXPECT_EQ(issuer_->tokens_issued(), 0);
  // Nothing reached Airflow's edge API with a token it would have to refuse.
  EXPECT_THAT(stack_->airflow_double()->Stdout() + stack_->airflow_double()->Stderr(),
              Not(HasSubstr("403 for")));
}

}  // namespace
}  // namespace edgectl::e2e
