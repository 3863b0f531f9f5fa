// The double's OIDC mode (edge3's trusted_jwks_url): ES256 tokens signed with a key generated
// here verify against a JWKS file; wrong issuer, audience, kid, algorithm, signature or expired
// tokens are refused.
#include "tests/airflow_double/jwks_validator.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "bridge/jwt_signer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgectl::airflow_double {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

class Es256Key {
 public:
  Es256Key() : key_(EVP_EC_gen("P-256")) {}
  ~Es256Key() { EVP_PKEY_free(key_); }

  json Jwk(const std::string& kid) const {
    unsigned char point[65];
    size_t length = 0;
    EVP_PKEY_get_octet_string_param(key_, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &length);
    const std::string raw(reinterpret_cast<char*>(point), length);
    return {{"kty", "EC"}, {"crv", "P-256"}, {"kid", kid},
            {"x", bridge::Base64UrlEncode(raw.substr(1, 32))},
            {"y", bridge::Base64UrlEncode(raw.substr(33, 32))}};
  }

  std::string Sign(const json& header, const json& claims) const {
    const std::string input = absl::StrCat(bridge::Base64UrlEncode(header.dump()), ".",
                                           bridge::Base64UrlEncode(claims.dump()));
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_);
    size_t length = 0;
    EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    std::string der(length, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &length,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(length));
    unsigned char raw[64];
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + 32, 32);
    ECDSA_SIG_free(sig);
    return absl::StrCat(input, ".",
                        bridge::Base64UrlEncode(std::string(reinterpret_cast<char*>(raw), 64)));
  }

 private:
  EVP_PKEY* key_;
};

class JwksValidatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/edgectl-jwks-XXXXXX";
    const int fd = mkstemp(templ);
    ASSERT_GE(fd, 0);
    close(fd);
    jwks_file_ = templ;
    std::ofstream(jwks_file_) << json{{"keys", json::array({key_.Jwk("k1")})}}.dump();
    options_.trusted_jwks_url = jwks_file_;
    options_.algorithms = {"RS256", "ES256"};
    options_.issuer = "https://idp.example";
    options_.audience = "airflow";
  }
  void TearDown() override { std::remove(jwks_file_.c_str()); }

  json Claims() const {
    const int64_t now = absl::ToUnixSeconds(kNow);
    return {{"iss", "https://idp.example"}, {"aud", "airflow"}, {"sub", "sidecar"},
            {"iat", now}, {"exp", now + 300}};
  }
  absl::Status Check(const std::string& token) {
    JwksValidator validator(options_);
    return validator.ValidateToken(token, kNow);
  }

  Es256Key key_;
  std::string jwks_file_;
  JwksValidatorOptions options_;
  const json header_ = {{"alg", "ES256"}, {"typ", "JWT"}, {"kid", "k1"}};
};

TEST_F(JwksValidatorTest, AcceptsAnEs256TokenOfTheIssuer) {
  ASSERT_TRUE(options_.Validate().ok());
  EXPECT_TRUE(Check(key_.Sign(header_, Claims())).ok()) << Check(key_.Sign(header_, Claims()));
}

TEST_F(JwksValidatorTest, RefusesWhatEdge3Refuses) {
  json wrong_issuer = Claims();
  wrong_issuer["iss"] = "https://other.example";
  EXPECT_THAT(std::string(Check(key_.Sign(header_, wrong_issuer)).message()), HasSubstr("issuer"));
  json wrong_audience = Claims();
  wrong_audience["aud"] = json::array({"api"});
  EXPECT_THAT(std::string(Check(key_.Sign(header_, wrong_audience)).message()),
              HasSubstr("audience"));
  json expired = Claims();
  expired["exp"] = absl::ToUnixSeconds(kNow) - 120;
  EXPECT_THAT(std::string(Check(key_.Sign(header_, expired)).message()), HasSubstr("expired"));
  json no_iat = Claims();
  no_iat.erase("iat");
  EXPECT_THAT(std::string(Check(key_.Sign(header_, no_iat)).message()), HasSubstr("'iat'"));
  json other_kid = header_;
  other_kid["kid"] = "k2";
  EXPECT_THAT(std::string(Check(key_.Sign(other_kid, Claims())).message()), HasSubstr("no key 'k2'"));
  Es256Key stranger;
  EXPECT_THAT(std::string(Check(stranger.Sign(header_, Claims())).message()),
              HasSubstr("signature does not verify"));
  json hs512 = header_;
  hs512["alg"] = "HS512";
  EXPECT_THAT(std::string(Check(key_.Sign(hs512, Claims())).message()), HasSubstr("'HS512'"));
  // Without a configured audience, a token that names one is refused (PyJWT's rule).
  options_.audience.reset();
  EXPECT_THAT(std::string(Check(key_.Sign(header_, Claims())).message()), HasSubstr("audience"));
}

TEST_F(JwksValidatorTest, RefusesToStartWithoutAnIssuer) {
  options_.issuer.reset();
  EXPECT_THAT(std::string(options_.Validate().message()), HasSubstr("jwt_issuer"));
}

}  // namespace
}  // namespace edgectl::airflow_double
