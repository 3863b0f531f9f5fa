// File: bridge/bearer_token_source.h
//
// BearerTokenSource gives the value of the `Authorization` header of one call to Airflow's edge
// API. edge3's server reads the bare token (no "Bearer " prefix) in both of its modes:
//   shared secret (default)  a fresh HS512 JWT per attempt, claims bound to the rest path
//                            (jwt_secret_token_source.h);
//   OIDC ([edge] trusted_jwks_url on the API server)  a token of the site's identity provider,
//                            obtained with the OAuth2 client-credentials grant and reused until
//                            shortly before it expires (oidc_token_source.h).
// Implementations are thread-safe. Errors carry a code the caller acts on (PERMISSION_DENIED: the
// credentials were refused, fix the configuration; UNAVAILABLE: try later) and never a secret.
#ifndef EDGECTL_BRIDGE_BEARER_TOKEN_SOURCE_H_
#define EDGECTL_BRIDGE_BEARER_TOKEN_SOURCE_H_

#include <string>

#include "absl/status/statusor.h"

namespace edgectl::bridge {

class BearerTokenSource {
 public:
  virtual ~BearerTokenSource() = default;
  // The token for a call to `method`, the rest path after /edge_worker/v1/.
  virtual absl::StatusOr<std::string> Token(const std::string& method) = 0;
};

}  // namespace edgectl::bridge

#endif  // EDGECTL_BRIDGE_BEARER_TOKEN_SOURCE_H_
