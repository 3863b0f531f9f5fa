#include "bridge/jwt_signer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace edgectl::bridge {

std::string Base64UrlEncode(const std::string& bytes) {
  std::string out;
  absl::WebSafeBase64Escape(bytes, &out);  // no padding, as JWS wants
  return out;
}

absl::StatusOr<std::string> Base64UrlDecode(const std::string& text) {
  // Abseil also accepts '=' padding; a JWS never carries it.
  if (text.find('=') != std::string::npos) {
    return absl::InvalidArgumentError("base64url text holds a character outside its alphabet");
  }
  std::string out;
  if (!absl::WebSafeBase64Unescape(text, &out)) {
    return absl::InvalidArgumentError(
        "base64url text holds a character outside its alphabet or has an impossible length");
  }
  return out;
}

std::string HmacSha512(const std::string& key, const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha512(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string Uuid4Hex() {
  unsigned char b[16];
  RAND_bytes(b, sizeof(b));
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

JwtSigner::JwtSigner(JwtSignerOptions options, Clock clock)
    : options_(std::move(options)), clock_(std::move(clock)) {}

std::string JwtSigner::Mint(const std::string& method) const {
  const int64_t now = absl::ToUnixSeconds(clock_());
  // Key order as PyJWT writes it: the header sorted; the payload as Airflow's generator builds
  // it (extra claims first, then jti, iss, aud, nbf, exp, iat).
  nlohmann::ordered_json header = {{"alg", "HS512"}, {"typ", "JWT"}};
  nlohmann::ordered_json claims;
  claims["method"] = method;
  claims["jti"] = Uuid4Hex();
  if (options_.issuer.has_value()) claims["iss"] = *options_.issuer;
  claims["aud"] = "api";
  claims["nbf"] = now;
  claims["exp"] = now + options_.valid_for_seconds;
  claims["iat"] = now;
  const std::string signing_input =
      absl::StrCat(Base64UrlEncode(header.dump()), ".", Base64UrlEncode(claims.dump()));
  return absl::StrCat(signing_input, ".",
                      Base64UrlEncode(HmacSha512(options_.secret, signing_input)));
}

}  // namespace edgectl::bridge
