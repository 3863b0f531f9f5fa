#include "tests/airflow_double/execution_token.h"

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bridge/jwt_signer.h"

namespace edgectl::airflow_double {

std::string MintTaskToken(const std::string& secret, const std::string& task_instance_id,
                          const std::string& scope, absl::Duration valid_for, absl::Time now) {
  const int64_t iat = absl::ToUnixSeconds(now);
  const nlohmann::ordered_json header = {{"alg", "HS512"}, {"typ", "JWT"}};
  const nlohmann::ordered_json claims = {{"jti", bridge::Uuid4Hex()},
                                         {"sub", task_instance_id},
                                         {"aud", kTaskTokenAudience},
                                         {"scope", scope},
                                         {"iat", iat},
                                         {"nbf", iat},
                                         {"exp", iat + absl::ToInt64Seconds(valid_for)}};
  const std::string signing_input = absl::StrCat(bridge::Base64UrlEncode(header.dump()), ".",
                                                 bridge::Base64UrlEncode(claims.dump()));
  return absl::StrCat(signing_input, ".",
                      bridge::Base64UrlEncode(bridge::HmacSha512(secret, signing_input)));
}

absl::StatusOr<TaskTokenClaims> VerifyTaskToken(const std::string& secret,
                                                const std::string& token, absl::Time now) {
  auto denied = [](const std::string& why) {
    return absl::PermissionDeniedError(absl::StrCat("Invalid auth token: ", why));
  };
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return denied("not a JWT");
  const std::string expected =
      bridge::Base64UrlEncode(bridge::HmacSha512(secret, parts[0] + "." + parts[1]));
  if (expected.size() != parts[2].size() ||
      CRYPTO_memcmp(expected.data(), parts[2].data(), expected.size()) != 0) {
    return denied("Signature verification failed");
  }
  absl::StatusOr<std::string> payload = bridge::Base64UrlDecode(parts[1]);
  if (!payload.ok()) return denied("bad payload encoding");
  nlohmann::json claims = nlohmann::json::parse(*payload, nullptr, false);
  if (!claims.is_object() || !claims.value("sub", nlohmann::json()).is_string() ||
      !claims.value("exp", nlohmann::json()).is_number()) {
    return denied("missing claims");
  }
  if (claims.value("aud", nlohmann::json()) != kTaskTokenAudience) return denied("Invalid audience");
  if (claims["exp"].get<int64_t>() < absl::ToUnixSeconds(now)) return denied("Signature has expired");
  TaskTokenClaims out;
  out.task_instance_id = claims["sub"].get<std::string>();
  out.scope = claims.value("scope", std::string("execution"));
  return out;
}

}  // namespace edgectl::airflow_double
