// File: tests/airflow_double/jwt_validator.h
//
// The checks edge3's API server applies to a worker token in shared-secret mode
// (worker_api/auth.py, PyJWT): HS512 signature under [api_auth] jwt_secret, `aud` containing
// "api", required `exp`, `iat`, `nbf` with leeway (expired, issued or valid in the future),
// `iss` when an issuer is configured, and the `method` claim equal to the request path after
// /edge_worker/v1/. Airflow answers every failure with the same 403 detail; the returned status
// message says which check failed, for the double's log only (it never contains the token).
#ifndef EDGECTL_TESTS_AIRFLOW_DOUBLE_JWT_VALIDATOR_H_
#define EDGECTL_TESTS_AIRFLOW_DOUBLE_JWT_VALIDATOR_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace edgectl::airflow_double {

struct JwtValidatorOptions {
  std::string secret;
  int leeway_seconds = 10;
  std::optional<std::string> issuer;
};

absl::Status ValidateWorkerToken(const JwtValidatorOptions& options, const std::string& token,
                                 const std::string& method_path, absl::Time now);

// edge3's 403 detail.
std::string ForbiddenDetail();

}  // namespace edgectl::airflow_double

#endif  // EDGECTL_TESTS_AIRFLOW_DOUBLE_JWT_VALIDATOR_H_
