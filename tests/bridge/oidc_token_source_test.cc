// OidcClientCredentialsTokenSource against a real token endpoint on 127.0.0.1 (the test's own
// OIDC issuer): one request serves many calls, the token is refreshed in the background before it
// expires, and a refused client gets a clear error that never carries the secret.
#include "bridge/oidc_token_source.h"

#include <memory>
#include <set>
#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fixtures/oidc_issuer.h"

namespace edgectl::bridge {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "s3cr3t-0f-the-sidecar-client-9f8e7d";

OidcClientCredentialsOptions OptionsFor(const testing::OidcIssuer& issuer) {
  OidcClientCredentialsOptions o;
  o.token_url = issuer.token_url();
  o.client_id = "edgectl-sidecar";
  o.client_secret = kSecret;
  o.retry_min = absl::Milliseconds(100);
  o.retry_max = absl::Seconds(1);
  return o;
}

std::unique_ptr<testing::OidcIssuer> StartIssuer(int lifetime_sec) {
  testing::OidcIssuerOptions options;
  options.client_secret = kSecret;
  options.token_lifetime_sec = lifetime_sec;
  auto issuer = testing::OidcIssuer::Start(options);
  EXPECT_TRUE(issuer.ok()) << issuer.status();
  return issuer.ok() ? *std::move(issuer) : nullptr;
}

TEST(OidcTokenSourceTest, OneTokenServesManyCalls) {
  auto issuer = StartIssuer(300);
  ASSERT_NE(issuer, nullptr);
  auto source = OidcClientCredentialsTokenSource::Create(
      OptionsFor(*issuer), std::make_unique<CurlTransport>(CurlTransportOptions{}));
  ASSERT_TRUE(source.ok()) << source.status();
  std::set<std::string> tokens;
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<std::string> token = (*source)->Token("jobs/fetch/w");
    ASSERT_TRUE(token.ok()) << token.status();
    tokens.insert(*token);
  }
  EXPECT_EQ(tokens.size(), 1u);
  EXPECT_EQ(issuer->token_requests(), 1);
}

TEST(OidcTokenSourceTest, RefreshesInTheBackgroundBeforeExpiry) {
  // 4 s tokens: refreshed 1 s before they expire, used until 0.4 s before.
  auto issuer = StartIssuer(4);
  ASSERT_NE(issuer, nullptr);
  auto source = OidcClientCredentialsTokenSource::Create(
      OptionsFor(*issuer), std::make_unique<CurlTransport>(CurlTransportOptions{}));
  ASSERT_TRUE(source.ok()) << source.status();
  absl::StatusOr<std::string> first = (*source)->Token("worker/w");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(issuer->AwaitTokensIssued(3, absl::Seconds(30)));
  absl::StatusOr<std::string> later = (*source)->Token("worker/w");
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_NE(*later, *first);
  // Every request came from the refresher (none was refused, none made in line twice).
  EXPECT_EQ(issuer->token_requests(), issuer->tokens_issued());
}

TEST(OidcTokenSourceTest, ARevokedClientGetsAClearErrorWithoutTheSecret) {
  auto issuer = StartIssuer(300);
  ASSERT_NE(issuer, nullptr);
  issuer->Revoke();
  auto source = OidcClientCredentialsTokenSource::Create(
      OptionsFor(*issuer), std::make_unique<CurlTransport>(CurlTransportOptions{}));
  ASSERT_TRUE(source.ok()) << source.status();
  absl::StatusOr<std::string> token = (*source)->Token("worker/w");
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), absl::StatusCode::kPermissionDenied);
  const std::string message(token.status().message());
  EXPECT_THAT(message, HasSubstr(issuer->token_url()));
  EXPECT_THAT(message, HasSubstr("'edgectl-sidecar'"));
  EXPECT_THAT(message, HasSubstr("invalid_client"));
  EXPECT_THAT(message, Not(HasSubstr(kSecret)));
  EXPECT_EQ(issuer->tokens_issued(), 0);
}

TEST(OidcTokenSourceTest, OptionsNameWhatIsMissing) {
  OidcClientCredentialsOptions o;
  o.token_url = "https://idp.example/token";
  o.client_id = "edge";
  absl::Status s = o.Validate();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("controlplane_oidc_client_secret"));
  o.client_secret = "x";
  o.token_url = "idp.example/token";
  EXPECT_THAT(std::string(o.Validate().message()), HasSubstr("controlplane_oidc_token_url"));
}

}  // namespace
}  // namespace edgectl::bridge
