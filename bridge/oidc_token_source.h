// File: bridge/oidc_token_source.h
//
// OidcClientCredentialsTokenSource: tokens for an Airflow API server that verifies worker tokens
// against an OIDC issuer (edge3's [edge] trusted_jwks_url mode, worker_api/auth.py), obtained from
// the issuer's token endpoint with the OAuth2 client-credentials grant (RFC 6749 §4.4): a form
// POST of grant_type=client_credentials (+ scope, audience when configured), the client
// authenticated with HTTP Basic (client id and secret form-encoded first, §2.3.1).
//
// A token is reused for every call until shortly before it expires (expires_in, else the JWT's
// own exp, else 5 minutes). A background thread fetches the next one when three quarters of the
// lifetime (at most 5 minutes before expiry) have passed, retrying with exponential backoff, so
// in steady state no call waits on the issuer; only the first call, or a call after the issuer
// was unreachable for the whole remaining lifetime, fetches in line.
//
// Errors: PERMISSION_DENIED when the issuer refuses the client (HTTP 401/403, or 400 with
// invalid_client / unauthorized_client / invalid_grant / invalid_scope), naming the token URL and
// the client id; UNAVAILABLE for network errors, 5xx and unusable answers. The client secret and
// the tokens never appear in a message or a log line. Thread-safe.
#ifndef EDGECTL_BRIDGE_OIDC_TOKEN_SOURCE_H_
#define EDGECTL_BRIDGE_OIDC_TOKEN_SOURCE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bridge/bearer_token_source.h"
#include "bridge/http_transport.h"

namespace edgectl::bridge {

struct OidcClientCredentialsOptions {
  std::string token_url;      // [edge] controlplane_oidc_token_url
  std::string client_id;      // [edge] controlplane_oidc_client_id
  std::string client_secret;  // [edge] controlplane_oidc_client_secret (_cmd / _secret work)
  std::string scope;          // [edge] controlplane_oidc_scope (optional)
  std::string audience;       // [edge] controlplane_oidc_audience (optional; Auth0/Keycloak style)
  absl::Duration retry_min = absl::Seconds(1);   // background retry backoff
  absl::Duration retry_max = absl::Seconds(60);

  absl::Status Validate() const;
};

class OidcClientCredentialsTokenSource : public BearerTokenSource {
 public:
  using Clock = std::function<absl::Time()>;

  // Starts the background refresher; the first token is fetched at once in the background.
  static absl::StatusOr<std::unique_ptr<OidcClientCredentialsTokenSource>> Create(
      OidcClientCredentialsOptions options, std::unique_ptr<HttpTransport> transport,
      Clock clock = absl::Now);
  ~OidcClientCredentialsTokenSource() override;

  absl::StatusOr<std::string> Token(const std::string& method) override;

  // Requests sent to the token endpoint so far (for tests and metrics).
  int fetches() const;

 private:
  struct Cached {
    std::string token;
    absl::Time usable_until;
    absl::Time refresh_at;
  };

  OidcClientCredentialsTokenSource(OidcClientCredentialsOptions options,
                                   std::unique_ptr<HttpTransport> transport, Clock clock);
  // One request to the token endpoint; stores the token on success. Serialised by fetch_mu_.
  absl::Status FetchAndStore();
  absl::StatusOr<Cached> RequestToken();
  void RefreshLoop();
  std::string Scrub(std::string text) const;

  const OidcClientCredentialsOptions options_;
  std::unique_ptr<HttpTransport> transport_;
  Clock clock_;

  absl::Mutex fetch_mu_;  // one request to the issuer at a time
  mutable absl::Mutex mu_;
  std::optional<Cached> cached_ ABSL_GUARDED_BY(mu_);
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  absl::Time last_failure_at_ ABSL_GUARDED_BY(mu_);
  int fetches_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread refresher_;
};

}  // namespace edgectl::bridge

#endif  // EDGECTL_BRIDGE_OIDC_TOKEN_SOURCE_H_
