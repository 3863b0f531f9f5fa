#include "tests/airflow_double/jwt_validator.h"

#include <openssl/crypto.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bridge/jwt_signer.h"

namespace edgectl::airflow_double {
namespace {

using nlohmann::json;

absl::Status Refused(const std::string& why) { return absl::PermissionDeniedError(why); }

absl::Status DecodePart(const std::string& part, const char* name, json* out) {
  absl::StatusOr<std::string> raw = bridge::Base64UrlDecode(part);
  if (!raw.ok()) return Refused(absl::StrCat("token ", name, " is not base64url"));
  *out = json::parse(*raw, nullptr, false);
  if (!out->is_object()) return Refused(absl::StrCat("token ", name, " is not a JSON object"));
  return absl::OkStatus();
}

absl::Status CheckTimes(const json& claims, int leeway, int64_t now) {
  for (const char* claim : {"exp", "iat", "nbf"}) {
    if (!claims.contains(claim) || !claims[claim].is_number_integer()) {
      return Refused(absl::StrCat("token lacks an integer '", claim, "' claim"));
    }
  }
  if (claims["exp"].get<int64_t>() <= now - leeway) return Refused("token has expired");
  if (claims["iat"].get<int64_t>() > now + leeway) return Refused("token issued in the future");
  if (claims["nbf"].get<int64_t>() > now + leeway) return Refused("token not yet valid (nbf)");
  return absl::OkStatus();
}

bool AudienceHasApi(const json& claims) {
  if (!claims.contains("aud")) return false;
  const json& aud = claims["aud"];
  if (aud.is_string()) return aud.get<std::string>() == "api";
  if (!aud.is_array()) return false;
  for (const json& a : aud) {
    if (a.is_string() && a.get<std::string>() == "api") return true;
  }
  return false;
}

}  // namespace

std::string ForbiddenDetail() {
  const std::string h = bridge::Uuid4Hex();
  return absl::StrCat("Forbidden. The server side traceback may be identified with error_id=",
                      h.substr(0, 8), "-", h.substr(8, 4), "-", h.substr(12, 4), "-",
                      h.substr(16, 4), "-", h.substr(20));
}

absl::Status ValidateWorkerToken(const JwtValidatorOptions& options, const std::string& token,
                                 const std::string& method_path, absl::Time now) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Refused("token is not a compact JWS");
  json header, claims;
  if (absl::Status s = DecodePart(parts[0], "header", &header); !s.ok()) return s;
  if (header.value("alg", "") != "HS512") return Refused("token algorithm is not HS512");
  const std::string expected =
      bridge::HmacSha512(options.secret, absl::StrCat(parts[0], ".", parts[1]));
  absl::StatusOr<std::string> signature = bridge::Base64UrlDecode(parts[2]);
  if (!signature.ok() || signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return Refused("signature does not verify with the configured secret");
  }
  if (absl::Status s = DecodePart(parts[1], "claims", &claims); !s.ok()) return s;
  if (absl::Status s = CheckTimes(claims, options.leeway_seconds, absl::ToUnixSeconds(now));
      !s.ok()) {
    return s;
  }
  if (!AudienceHasApi(claims)) return Refused("token audience is not 'api'");
  if (options.issuer.has_value() && claims.value("iss", "") != *options.issuer) {
    return Refused("token issuer does not match");
  }
  if (!claims.contains("method") || !claims["method"].is_string() ||
      claims["method"].get<std::string>() != method_path) {
    return Refused(absl::StrCat("method claim does not match the path '", method_path, "'"));
  }
  return absl::OkStatus();
}

}  // namespace edgectl::airflow_double
