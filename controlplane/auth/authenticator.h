// File: controlplane/auth/authenticator.h
//
// Who is calling (docs/ARCHITECTURE.md, "Security"). The sidecar accepts the methods its
// AuthPolicy enables: a client certificate signed by the sidecar's client CA (verified by the
// ClientCertificateVerifier; the certificate names the worker), a per-worker token (looked up in
// the TokenDirectory on every call), or, only when started with --insecure-allow-unauthenticated,
// the worker name the request claims. A presented certificate decides: a valid one wins over a
// token, an invalid one is refused even when a token is sent too (its cause is what the operator
// must fix). Every failure is UNAUTHENTICATED with a message that names the cause and the fix and
// never repeats a token.
//
// AuthorizeWorker() then binds the call: a request naming another worker than the authenticated
// one is PERMISSION_DENIED. FairShareKey() names the caller before any I/O so blocking work can be
// queued per caller (controlplane/executor.h).
#ifndef EDGECTL_CONTROLPLANE_AUTH_AUTHENTICATOR_H_
#define EDGECTL_CONTROLPLANE_AUTH_AUTHENTICATOR_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "controlplane/auth/client_certificate_verifier.h"
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
  // `certificates` is required when policy.certificates, `tokens` when policy.tokens.
  Authenticator(AuthPolicy policy, ClientCertificateVerifier* certificates, TokenDirectory* tokens)
      : policy_(policy), certificates_(certificates), tokens_(tokens) {}

  // May look a token up in the database: call it where blocking is allowed. `now` is the time
  // certificates are checked at.
  absl::StatusOr<Identity> Authenticate(const PeerCredentials& peer,
                                        absl::string_view claimed_name, absl::Time now) const;

  // Without I/O: a hash prefix of the certificate or token, or (insecure) the claimed name. Not
  // an identity (nothing is verified yet): it only gives each caller its own queue, so a client
  // cannot join another worker's queue by claiming its name.
  std::string FairShareKey(const PeerCredentials& peer, absl::string_view claimed_name) const;

  const AuthPolicy& policy() const { return policy_; }

 private:
  AuthPolicy policy_;
  ClientCertificateVerifier* certificates_;
  TokenDirectory* tokens_;
};

// PERMISSION_DENIED unless `claimed_name` is the identity's worker.
absl::Status AuthorizeWorker(const Identity& identity, absl::string_view claimed_name);

// At most the first 40 characters of a client-supplied value, with control characters and
// invalid UTF-8 escaped (\xNN), for error messages and logs (a 1 MB name must not come back in
// the error, and the message stays valid UTF-8).
std::string QuotePrefix(absl::string_view value);

}  // namespace edgectl::auth

#endif  // EDGECTL_CONTROLPLANE_AUTH_AUTHENTICATOR_H_
