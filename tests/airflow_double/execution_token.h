// File: tests/airflow_double/execution_token.h
//
// Task tokens as Airflow's scheduler and Execution API mint them (api_fastapi/auth/tokens.py,
// JWTGenerator with the shared [api_auth] jwt_secret): HS512, claims jti, iat, nbf, exp,
// aud "urn:airflow.apache.org:task", sub = the task instance id, and scope "workload" (the token
// in a queued workload, good for starting the task) or "execution" (what the API hands back in
// Refreshed-API-Token, good for everything). The enqueuer of the end-to-end tests puts workload
// tokens into jobs; the double's Execution API routes verify them. TEST DOUBLE, not Airflow.
#ifndef EDGECTL_TESTS_AIRFLOW_DOUBLE_EXECUTION_TOKEN_H_
#define EDGECTL_TESTS_AIRFLOW_DOUBLE_EXECUTION_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace edgectl::airflow_double {

inline constexpr char kTaskTokenAudience[] = "urn:airflow.apache.org:task";

std::string MintTaskToken(const std::string& secret, const std::string& task_instance_id,
                          const std::string& scope, absl::Duration valid_for,
                          absl::Time now = absl::Now());

struct TaskTokenClaims {
  std::string task_instance_id;  // sub
  std::string scope;
};

// PERMISSION_DENIED naming the failed check (signature, audience, expiry, ...); never echoes
// the token.
absl::StatusOr<TaskTokenClaims> VerifyTaskToken(const std::string& secret,
                                                const std::string& token, absl::Time now);

}  // namespace edgectl::airflow_double

#endif  // EDGECTL_TESTS_AIRFLOW_DOUBLE_EXECUTION_TOKEN_H_
