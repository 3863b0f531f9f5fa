// File: tests/airflow_double/jwks_validator.h
//
// The checks edge3's API server applies to a worker token in OIDC mode ([edge] trusted_jwks_url
// set; worker_api/auth.py with Airflow's JWTValidator over PyJWT): the header's `kid` names a key
// of the JWKS (fetched from an http(s) URL, or read from a file, and fetched again when an unknown
// kid shows up), `alg` is one of [edge] jwt_algorithm (RS256 and ES256 here), the signature
// verifies with that key, `exp` and `iat` are present and within [edge] jwt_leeway, `nbf` (when
// present) too, `iss` equals [edge] jwt_issuer, and `aud` contains [edge] jwt_audience (or, with
// no audience configured, the token has no `aud`). No `method` claim is needed in this mode.
// A refusal's message says which check failed, for the double's log only. Thread-safe.
#ifndef EDGECTL_TESTS_AIRFLOW_DOUBLE_JWKS_VALIDATOR_H_
#define EDGECTL_TESTS_AIRFLOW_DOUBLE_JWKS_VALIDATOR_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace edgectl::airflow_double {

struct JwksValidatorOptions {
  std::string trusted_jwks_url;  // http(s) URL or a file path
  std::vector<std::string> algorithms = {"RS256"};
  std::optional<std::string> issuer;    // [edge] jwt_issuer
  std::optional<std::string> audience;  // [edge] jwt_audience
  int leeway_seconds = 30;              // [edge] jwt_leeway

  // edge3 refuses to start with a JWKS but no issuer (and no jwt_verifier, which the double
  // does not implement).
  absl::Status Validate() const;
};

class JwksValidator {
 public:
  explicit JwksValidator(JwksValidatorOptions options);
  ~JwksValidator();

  absl::Status ValidateToken(const std::string& token, absl::Time now);

 private:
  struct Key;
  absl::Status Reload() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const JwksValidatorOptions options_;
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Key>> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::airflow_double

#endif  // EDGECTL_TESTS_AIRFLOW_DOUBLE_JWKS_VALIDATOR_H_
