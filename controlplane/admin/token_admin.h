// File: controlplane/admin/token_admin.h
//
// `edgectl token issue / list / revoke` on edgectl_worker_token (controlplane/db/edgectl_schema.h).
// Issuing stores only the SHA-256 of a fresh random token and returns the token once; listing
// shows the worker, a token id (the hash's first 12 hex digits, which reveals nothing) and when it
// was issued; revoking deletes every token of a worker, which every sidecar notices at the
// worker's next call (and on its open stream within a state-poll interval). A worker may hold
// several tokens at once so one can be rotated without downtime: issue, deploy, revoke the old
// one with --token-id.
#ifndef EDGECTL_CONTROLPLANE_ADMIN_TOKEN_ADMIN_H_
#define EDGECTL_CONTROLPLANE_ADMIN_TOKEN_ADMIN_H_

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace edgectl::admin {

struct IssuedToken {
  std::string token;     // shown once, never stored
  std::string token_id;
};

struct TokenListing {
  std::string worker_name;
  std::string token_id;
  absl::Time created_at;
};

class TokenAdmin {
 public:
  explicit TokenAdmin(pqxx::connection& conn) : conn_(conn) {}

  absl::StatusOr<IssuedToken> Issue(const std::string& worker_name);
  // Every token, or one worker's ("" = all), oldest first.
  absl::StatusOr<std::vector<TokenListing>> List(const std::string& worker_name);
  // Deletes the worker's tokens (only the one whose id starts with `token_id` when given);
  // NOT_FOUND when nothing matched.
  absl::StatusOr<int> Revoke(const std::string& worker_name, const std::string& token_id);

 private:
  pqxx::connection& conn_;
};

}  // namespace edgectl::admin

#endif  // EDGECTL_CONTROLPLANE_ADMIN_TOKEN_ADMIN_H_
