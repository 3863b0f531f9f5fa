#include "bridge/jwt_signer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace edgectl::bridge {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

std::string Base64UrlEncode(const std::string& bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (rest == 2) out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

absl::StatusOr<std::string> Base64UrlDecode(const std::string& text) {
  if (text.size() % 4 == 1) {
    return absl::InvalidArgumentError("base64url text has an impossible length");
  }
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = DecodeChar(c);
    if (v < 0) return absl::InvalidArgumentError("base64url text holds a character outside its alphabet");
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
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
