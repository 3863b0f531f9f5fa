// File: controlplane/auth/authenticator.h
//
// Who is calling (docs/ARCHITECTURE.md, "Security"). The sidecar accepts the methods its
// AuthPolicy enables: a client certificate verified by the TLS handshake (the certificate names
// the worker), a per-worker token (looked up in the TokenDirectory on every call), or, only when
// started with --insecure-allow-unauthenticated, the worker name the request claims. A verified
// certificate wins over a token. Every failure is UNAUTHENTICATED with a message that names the
// cause and the fix and never repeats a token.
//
// AuthorizeWorker() then binds the call: a request naming another worker than the authenticated
// one is PERMISSION_DENIED. FairShareKey() names the caller before any I/O so blocking work can be
// queued per caller (controlplane/executor.h).
#ifndef EDGECTL_CONTROLPLANE_AUTH_AUTHENTICATOR_H_
#define EDGECTL_CONTROLPLANE_AUTH_AUTHENTICATOR_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "controlplane/auth/peer_credentials.h"
#include "controlplane/auth/token_directory.h"

namespace edgectl::auth {

enum class AuthMethod { kCertificate, kToken, kInsecure };
const char* AuthMethodName(AuthMethod method);  // "certificate", "token", "none"

struct Identity {
  std::string worker_name;
  AuthMethod method = AuthMethod::kInsecure;
  std::string token_sha256;  // kToken only
  std::string peer;
};

struct AuthPolicy {
  bool certificates = false;  // --tls-client-ca given
  bool tokens = false;        // --worker-tokens
  bool insecure = false;      // --insecure-allow-unauthenticated
  // "mutual TLS and per-worker tokens", for messages and the start-up log line.
  std::string Describe() const;
};

class Authenticator {
 public:
  Authenticator(AuthPolicy policy, TokenDirectory* tokens) : policy_(policy), tokens_(tokens) {}

  // May look a token up in the database: call it where blocking is allowed.
  absl::StatusOr<Identity> Authenticate(const PeerCredentials& peer,
                                        absl::string_view claimed_name) const;

  // Without I/O: the certificate name, the token's hash prefix, or (insecure) the claimed name.
  std::string FairShareKey(const PeerCredentials& peer, absl::string_view claimed_name) const;

  const AuthPolicy& policy() const { return policy_; }

 private:
  AuthPolicy policy_;
  TokenDirectory* tokens_;
};

// PERMISSION_DENIED unless `claimed_name` is the identity's worker.
absl::Status AuthorizeWorker(const Identity& identity, absl::string_view claimed_name);

// At most the first 40 characters of a client-supplied value, with control characters escaped,
// for error messages and logs (a 1 MB name must not come back in the error).
std::string QuotePrefix(absl::string_view value);

}  // namespace edgectl::auth

#endif  // EDGECTL_CONTROLPLANE_AUTH_AUTHENTICATOR_H_
