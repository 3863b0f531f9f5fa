// File: controlplane/auth/token_directory.h
//
// Where the sidecar looks up per-worker tokens (edgectl's table edgectl_worker_token, see
// controlplane/db/edgectl_schema.h). Looked up on every call, never cached, so a revoked token
// fails at the next call on every sidecar. Implementations return UNAVAILABLE when the database
// cannot be reached (the caller answers "retry", never "allowed").
#ifndef EDGECTL_CONTROLPLANE_AUTH_TOKEN_DIRECTORY_H_
#define EDGECTL_CONTROLPLANE_AUTH_TOKEN_DIRECTORY_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace edgectl::auth {

class TokenDirectory {
 public:
  virtual ~TokenDirectory() = default;
  // The worker a token (by its SHA-256 hex) was issued for; nullopt when no such token exists.
  virtual absl::StatusOr<std::optional<std::string>> WorkerForToken(
      const std::string& token_sha256) = 0;
  // Of the given hashes, those still issued (one query; for open streams' revocation check).
  virtual absl::StatusOr<std::set<std::string>> IssuedTokens(
      const std::vector<std::string>& token_sha256s) = 0;
};

}  // namespace edgectl::auth

#endif  // EDGECTL_CONTROLPLANE_AUTH_TOKEN_DIRECTORY_H_
