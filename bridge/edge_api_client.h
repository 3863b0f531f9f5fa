// File: bridge/edge_api_client.h
//
// EdgeApiClient implements EdgeApi over HTTP exactly as edge3's worker calls Airflow
// (cli/api_client.py): urljoin([edge] api_url, rest path) with edge3's quoting (url_path.h), a
// fresh HS512 JWT per attempt in a bare `Authorization` header (jwt_signer.h), `Accept:
// application/json` and `Content-Type: application/json` only with a body, bodies as pydantic
// writes them (edge_api_json.h), edge3's retries (retry_policy.h), and a bounded pool of
// keep-alive libcurl handles (http_transport.h). Errors as edge_api.h documents (http_error.h).
//
// The token comes from a BearerTokenSource (bearer_token_source.h): minted per attempt with the
// shared jwt_secret, or, when [edge] controlplane_oidc_token_url is set (the API server verifies
// tokens against an OIDC issuer, edge3's trusted_jwks_url mode), obtained from the issuer with
// the client-credentials grant and cached (oidc_token_source.h).
//
// EdgeApiClientOptions::FromAirflowConfig reads [edge] api_url, [api_auth] jwt_secret,
// jwt_leeway (token lifetime; 30 when absent), jwt_issuer, the AIRFLOW__EDGE__API_RETRY*
// variables, and edgectl's own transport settings in [edgectl]: api_ca_bundle,
// api_connect_timeout and api_request_timeout (seconds), api_max_connections.
// Thread-safe; one client can carry a whole fleet's calls.
#ifndef EDGECTL_BRIDGE_EDGE_API_CLIENT_H_
#define EDGECTL_BRIDGE_EDGE_API_CLIENT_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "bridge/bearer_token_source.h"
#include "bridge/edge_api.h"
#include "bridge/http_error.h"
#include "bridge/http_transport.h"
#include "bridge/jwt_signer.h"
#include "bridge/oidc_token_source.h"
#include "bridge/retry_policy.h"
#include "bridge/url_path.h"
#include "common/airflow_config.h"

namespace edgectl::bridge {

struct EdgeApiClientOptions {
  std::string api_url;                    // [edge] api_url
  std::string jwt_secret;                 // [api_auth] jwt_secret
  int jwt_leeway_seconds = 30;            // [api_auth] jwt_leeway: token lifetime
  std::optional<std::string> jwt_issuer;  // [api_auth] jwt_issuer
  // Set when [edge] controlplane_oidc_token_url is: tokens from the OIDC issuer, no jwt_secret.
  std::optional<OidcClientCredentialsOptions> oidc;
  RetryOptions retry;
  CurlTransportOptions transport;

  absl::Status Validate() const;
  // getenv defaults to the process environment.
  static absl::StatusOr<EdgeApiClientOptions> FromAirflowConfig(const AirflowConfig& config,
                                                                EnvLookup getenv = nullptr);
};

// What tests substitute; anything left empty gets the real implementation.
struct EdgeApiClientCollaborators {
  std::unique_ptr<HttpTransport> transport;
  RetryPolicy::Sleeper sleeper;
  RetryPolicy::Clock clock;
  RetryPolicy::Random random;
  std::unique_ptr<BearerTokenSource> tokens;
};

class EdgeApiClient : public EdgeApi {
 public:
  static absl::StatusOr<std::unique_ptr<EdgeApiClient>> Create(
      EdgeApiClientOptions options, EdgeApiClientCollaborators collaborators = {});

  absl::StatusOr<WorkerRegistrationReturn> RegisterWorker(const std::string& worker_name,
                                                          const WorkerStateBody& body) override;
  absl::StatusOr<WorkerSetStateReturn> SetState(const std::string& worker_name,
                                                const WorkerStateBody& body) override;
  absl::Status UpdateQueues(const std::string& worker_name,
                            const std::optional<std::vector<std::string>>& new_queues,
                            const std::optional<std::vector<std::string>>& remove_queues) override;
  absl::StatusOr<std::optional<EdgeJobFetched>> FetchJob(const std::string& worker_name,
                                                         const FetchRequest& request) override;
  absl::Status SetJobState(const JobKey& key, const std::string& state) override;
  absl::StatusOr<std::string> LogfilePath(const JobKey& key) override;
  absl::Status PushLogs(const JobKey& key, absl::Time log_chunk_time,
                        const std::string& log_chunk_data) override;
  absl::StatusOr<std::map<std::string, std::string>> Health() override;

 private:
  struct Call {
    EdgeCall call;
    const char* verb;
    RestPath path;
    std::optional<std::string> body;
    std::string worker_name;
  };

  EdgeApiClient(EdgeApiClientOptions options, EdgeApiClientCollaborators collaborators);
  // The reply body of a 2xx answer ("null" for 204), or the mapped error.
  absl::StatusOr<std::string> Send(const Call& call);
  absl::StatusOr<HttpRequest> BuildRequest(const Call& call) const;

  const EdgeApiClientOptions options_;
  std::unique_ptr<HttpTransport> transport_;
  RetryPolicy::Clock clock_;
  std::unique_ptr<BearerTokenSource> tokens_;
  RetryPolicy retry_;
  bool api_url_under_edge_worker_v1_ = true;
};

}  // namespace edgectl::bridge

#endif  // EDGECTL_BRIDGE_EDGE_API_CLIENT_H_
