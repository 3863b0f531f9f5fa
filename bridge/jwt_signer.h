// File: bridge/jwt_signer.h
//
// JwtSigner mints the tokens edge3's worker puts in the `Authorization` header, with the claims
// Airflow's JWTGenerator makes (airflow-core api_fastapi/auth/tokens.py) in shared-secret mode:
// header {"alg":"HS512","typ":"JWT"}; claims jti (uuid4 hex), aud "api", nbf = iat = now,
// exp = now + valid_for, iss when an issuer is configured, and `method` = the rest path the
// token is for. Times are integer epoch seconds. A token is minted per request attempt, since
// tokens live only [api_auth] jwt_leeway seconds.
//
// Also the JWT building blocks the Airflow double reuses to verify tokens: base64url without
// padding and HMAC-SHA512. Thread-safe; the secret never leaves this class except as the key
// of the HMAC.
#ifndef EDGECTL_BRIDGE_JWT_SIGNER_H_
#define EDGECTL_BRIDGE_JWT_SIGNER_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace edgectl::bridge {

std::string Base64UrlEncode(const std::string& bytes);
// Fails on characters outside the base64url alphabet or an impossible length.
absl::StatusOr<std::string> Base64UrlDecode(const std::string& text);
// Raw 64-byte HMAC-SHA512 of data under key.
std::string HmacSha512(const std::string& key, const std::string& data);
// 32 lower-case hex digits of a random (version 4) UUID, as Python's uuid4().hex.
std::string Uuid4Hex();

struct JwtSignerOptions {
  std::string secret;                 // [api_auth] jwt_secret
  int valid_for_seconds = 30;         // [api_auth] jwt_leeway (Airflow core default 10)
  std::optional<std::string> issuer;  // first entry of [api_auth] jwt_issuer, when set
};

class JwtSigner {
 public:
  using Clock = std::function<absl::Time()>;
  explicit JwtSigner(JwtSignerOptions options, Clock clock = absl::Now);

  // A compact JWS for the rest path `method` (e.g. "jobs/fetch/host-1").
  std::string Mint(const std::string& method) const;

 private:
  JwtSignerOptions options_;
  Clock clock_;
};

}  // namespace edgectl::bridge

#endif  // EDGECTL_BRIDGE_JWT_SIGNER_H_
