// File: controlplane/auth/worker_token.h
//
// Per-worker tokens (docs/ARCHITECTURE.md, "Security"): a token is 32 random bytes from the
// operating system's CSPRNG, printed once as "edgectl_wt_" + base64url. Only its SHA-256 (hex) is
// stored, in edgectl's own table edgectl_worker_token, beside the worker name and creation time.
// 256 random bits need no salt or slow hash: nobody can search that space, and an unsalted hash
// lets the sidecar find a token with one primary-key lookup.
#ifndef EDGECTL_CONTROLPLANE_AUTH_WORKER_TOKEN_H_
#define EDGECTL_CONTROLPLANE_AUTH_WORKER_TOKEN_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace edgectl::auth {

inline constexpr char kWorkerTokenPrefix[] = "edgectl_wt_";
// Longest token text accepted from a client (ours are 54 characters).
inline constexpr size_t kMaxTokenLength = 256;

// A new token; UNAVAILABLE when the system has no randomness to give.
absl::StatusOr<std::string> NewWorkerToken();

// Lower-case hex SHA-256 of the token text.
std::string TokenSha256Hex(absl::string_view token);

// Printable ASCII, at most kMaxTokenLength characters; the message never repeats the token.
absl::Status ValidateTokenText(absl::string_view token);

// The first 12 hex digits of the hash: a name for a token in listings and logs that reveals
// nothing about the token.
std::string TokenId(absl::string_view token_sha256);

}  // namespace edgectl::auth

#endif  // EDGECTL_CONTROLPLANE_AUTH_WORKER_TOKEN_H_
