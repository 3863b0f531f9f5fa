// The worker token: header, every claim, lifetime, uniqueness, and the HS512 signature, checked
// by decoding the token independently of the signer's own code paths.
#include "bridge/jwt_signer.h"

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace edgectl::bridge {
namespace {

using nlohmann::json;

struct Decoded {
  json header;
  json claims;
  std::string signing_input;
  std::string signature;
};

Decoded Decode(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  EXPECT_EQ(parts.size(), 3u);
  Decoded d;
  d.header = json::parse(*Base64UrlDecode(parts[0]));
  d.claims = json::parse(*Base64UrlDecode(parts[1]));
  d.signing_input = parts[0] + "." + parts[1];
  d.signature = *Base64UrlDecode(parts[2]);
  return d;
}

const absl::Time kNow = absl::FromUnixSeconds(1767225600);  // 2026-01-01T00:00:00Z

TEST(JwtSignerTest, HeaderAndClaimsAreAirflows) {
  JwtSigner signer({"s3cret", 10, std::nullopt}, [] { return kNow; });
  Decoded d = Decode(signer.Mint("jobs/fetch/host-1"));
  EXPECT_EQ(d.header, json({{"alg", "HS512"}, {"typ", "JWT"}}));
  EXPECT_EQ(d.claims["aud"], "api");
  EXPECT_EQ(d.claims["iat"], 1767225600);
  EXPECT_EQ(d.claims["nbf"], 1767225600);
  EXPECT_EQ(d.claims["exp"], 1767225610);
  EXPECT_EQ(d.claims["method"], "jobs/fetch/host-1");
  EXPECT_TRUE(std::regex_match(d.claims["jti"].get<std::string>(), std::regex("[0-9a-f]{32}")));
  EXPECT_FALSE(d.claims.contains("iss"));
  EXPECT_EQ(d.claims.size(), 6u) << d.claims.dump();
}

TEST(JwtSignerTest, SignatureIsHmacSha512OfHeaderAndClaims) {
  JwtSigner signer({"s3cret", 10, std::nullopt}, [] { return kNow; });
  Decoded d = Decode(signer.Mint("health"));
  EXPECT_EQ(d.signature.size(), 64u);
  EXPECT_EQ(d.signature, HmacSha512("s3cret", d.signing_input));
  EXPECT_NE(d.signature, HmacSha512("other", d.signing_input));
}

TEST(JwtSignerTest, HmacSha512MatchesRfc4231TestCase2) {
  const std::string mac = HmacSha512("Jefe", "what do ya want for nothing?");
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : mac) hex += std::string{kHex[c >> 4], kHex[c & 15]};
  EXPECT_EQ(hex,
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d03"
            "4f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

TEST(JwtSignerTest, IssuerAndLifetimeFollowOptions) {
  JwtSigner signer({"k", 30, std::string("https://airflow.example")}, [] { return kNow; });
  Decoded d = Decode(signer.Mint("worker/a"));
  EXPECT_EQ(d.claims["iss"], "https://airflow.example");
  // Airflow's generator order: extras, then jti, iss, aud, nbf, exp, iat.
  std::vector<std::string> keys;
  std::vector<std::string> parts = absl::StrSplit(signer.Mint("worker/a"), '.');
  nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(*Base64UrlDecode(parts[1]));
  for (const auto& item : ordered.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"method", "jti", "iss", "aud", "nbf", "exp", "iat"}));
  EXPECT_EQ(d.claims["exp"].get<int64_t>() - d.claims["iat"].get<int64_t>(), 30);
}

TEST(JwtSignerTest, EveryTokenHasItsOwnJti) {
  JwtSigner signer({"k", 10, std::nullopt});
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) ids.insert(Decode(signer.Mint("m")).claims["jti"]);
  EXPECT_EQ(ids.size(), 200u);
}

TEST(JwtSignerTest, Base64UrlRoundTripsWithoutPadding) {
  for (std::string s : {std::string(""), std::string("f"), std::string("fo"), std::string("foo"),
                        std::string("\xff\xfe\x00\x01", 4), std::string("subjects?_d")}) {
    std::string encoded = Base64UrlEncode(s);
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos) << encoded;
    EXPECT_EQ(*Base64UrlDecode(encoded), s);
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(Base64UrlDecode("ab$d").ok());
  EXPECT_FALSE(Base64UrlDecode("abcde").ok());
}

}  // namespace
}  // namespace edgectl::bridge
