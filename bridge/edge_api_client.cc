#include "bridge/edge_api_client.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "bridge/edge_api_json.h"
#include "bridge/jwt_secret_token_source.h"

namespace edgectl::bridge {
namespace {

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

absl::StatusOr<absl::Duration> SecondsOption(const AirflowConfig& config, const char* key,
                                             absl::Duration fallback) {
  absl::StatusOr<double> seconds =
      config.GetDouble("edgectl", key, absl::ToDoubleSeconds(fallback));
  if (!seconds.ok()) return seconds.status();
  return absl::Seconds(*seconds);
}

}  // namespace

absl::Status EdgeApiClientOptions::Validate() const {
  if (absl::Status url = UrlJoin(api_url, "health").status(); !url.ok()) return url;
  if (oidc.has_value()) {
    if (absl::Status s = oidc->Validate(); !s.ok()) return s;
  } else if (jwt_secret.empty()) {
    return absl::InvalidArgumentError(
        "[api_auth] jwt_secret is not set; set it to the value the Airflow API server uses "
        "(AIRFLOW__API_AUTH__JWT_SECRET)");
  }
  if (jwt_leeway_seconds <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "[api_auth] jwt_leeway must be a positive number of seconds, got ", jwt_leeway_seconds));
  }
  if (transport.max_connections < 1) {
    return absl::InvalidArgumentError("[edgectl] api_max_connections must be at least 1");
  }
  if (transport.connect_timeout <= absl::ZeroDuration() ||
      transport.request_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "[edgectl] api_connect_timeout and api_request_timeout must be positive");
  }
  return retry.Validate();
}

absl::StatusOr<EdgeApiClientOptions> EdgeApiClientOptions::FromAirflowConfig(
    const AirflowConfig& config, EnvLookup getenv) {
  if (!getenv) getenv = ProcessEnv;
  EdgeApiClientOptions options;
  options.api_url = config.GetOr("edge", "api_url", "");
  options.jwt_secret = config.GetOr("api_auth", "jwt_secret", "");
  absl::StatusOr<int> leeway = config.GetInt("api_auth", "jwt_leeway", 30);
  if (!leeway.ok()) return leeway.status();
  options.jwt_leeway_seconds = *leeway;
  // Airflow accepts a list of issuers and signs with the first.
  std::string issuer = config.GetOr("api_auth", "jwt_issuer", "");
  std::vector<std::string> issuers = absl::StrSplit(issuer, ',', absl::SkipWhitespace());
  if (!issuers.empty()) options.jwt_issuer = std::string(absl::StripAsciiWhitespace(issuers[0]));
  std::string token_url = config.GetOr("edge", "controlplane_oidc_token_url", "");
  if (!token_url.empty()) {
    OidcClientCredentialsOptions oidc;
    oidc.token_url = token_url;
    oidc.client_id = config.GetOr("edge", "controlplane_oidc_client_id", "");
    oidc.client_secret = config.GetOr("edge", "controlplane_oidc_client_secret", "");
    oidc.scope = config.GetOr("edge", "controlplane_oidc_scope", "");
    oidc.audience = config.GetOr("edge", "controlplane_oidc_audience", "");
    options.oidc = std::move(oidc);
  }
  absl::StatusOr<RetryOptions> retry = RetryOptionsFromEnv(getenv);
  if (!retry.ok()) return retry.status();
  options.retry = *retry;
  options.transport.ca_bundle = config.GetOr("edgectl", "api_ca_bundle", "");
  absl::StatusOr<int> max_connections =
      config.GetInt("edgectl", "api_max_connections", options.transport.max_connections);
  if (!max_connections.ok()) return max_connections.status();
  options.transport.max_connections = *max_connections;
  absl::StatusOr<absl::Duration> connect =
      SecondsOption(config, "api_connect_timeout", options.transport.connect_timeout);
  if (!connect.ok()) return connect.status();
  options.transport.connect_timeout = *connect;
  absl::StatusOr<absl::Duration> request =
      SecondsOption(config, "api_request_timeout", options.transport.request_timeout);
  if (!request.ok()) return request.status();
  options.transport.request_timeout = *request;
  if (absl::Status status = options.Validate(); !status.ok()) return status;
  return options;
}

absl::StatusOr<std::unique_ptr<EdgeApiClient>> EdgeApiClient::Create(
    EdgeApiClientOptions options, EdgeApiClientCollaborators collaborators) {
  if (absl::Status status = options.Validate(); !status.ok()) return status;
  if (!collaborators.tokens) {
    RetryPolicy::Clock clock = collaborators.clock ? collaborators.clock : RetryPolicy::Clock(absl::Now);
    if (options.oidc.has_value()) {
      absl::StatusOr<std::unique_ptr<OidcClientCredentialsTokenSource>> oidc =
          OidcClientCredentialsTokenSource::Create(
              *options.oidc, std::make_unique<CurlTransport>(options.transport), clock);
      if (!oidc.ok()) return oidc.status();
      collaborators.tokens = *std::move(oidc);
    } else {
      collaborators.tokens = std::make_unique<JwtSecretTokenSource>(
          JwtSignerOptions{options.jwt_secret, options.jwt_leeway_seconds, options.jwt_issuer},
          clock);
    }
  }
  return std::unique_ptr<EdgeApiClient>(
      new EdgeApiClient(std::move(options), std::move(collaborators)));
}

EdgeApiClient::EdgeApiClient(EdgeApiClientOptions options, EdgeApiClientCollaborators c)
    : options_(std::move(options)),
      transport_(c.transport ? std::move(c.transport)
                             : std::make_unique<CurlTransport>(options_.transport)),
      clock_(c.clock ? c.clock : RetryPolicy::Clock(absl::Now)),
      tokens_(std::move(c.tokens)),
      retry_(options_.retry, c.sleeper ? c.sleeper : RetryPolicy::Sleeper(absl::SleepFor),
             clock_, c.random) {
  absl::StatusOr<std::string> probe = UrlJoin(options_.api_url, "probe");
  api_url_under_edge_worker_v1_ = probe.ok() && absl::EndsWith(*probe, "/edge_worker/v1/probe");
}

absl::StatusOr<HttpRequest> EdgeApiClient::BuildRequest(const Call& call) const {
  HttpRequest request;
  request.method = call.verb;
  request.url = *UrlJoin(options_.api_url, call.path.wire);  // api_url validated in Create
  if (call.body.has_value()) request.headers.emplace_back("Content-Type", "application/json");
  request.headers.emplace_back("Accept", "application/json");
  if (call.call != EdgeCall::kHealth) {
    absl::StatusOr<std::string> token = tokens_->Token(call.path.method);
    if (!token.ok()) return token.status();
    request.headers.emplace_back("Authorization", *std::move(token));
  }
  request.body = call.body;
  return request;
}

absl::StatusOr<std::string> EdgeApiClient::Send(const Call& call) {
  const CallDescription description{call.call, absl::StrCat(call.verb, " ", call.path.method),
                                    call.worker_name};
  // Built inside the attempt so that every retry carries a fresh (or still valid) token. No token
  // (the OIDC issuer refused the client or is unreachable) ends the call with that reason.
  absl::Status no_token;
  RetryOutcome outcome = retry_.Run(
      [&]() -> absl::StatusOr<HttpResponse> {
        absl::StatusOr<HttpRequest> request = BuildRequest(call);
        if (!request.ok()) {
          no_token = request.status();
          return HttpResponse{};  // status 0: not retried; the reason is in no_token
        }
        no_token = absl::OkStatus();
        return transport_->Send(*request);
      },
      description.what);
  if (!no_token.ok()) {
    return absl::Status(no_token.code(),
                        absl::StrCat(description.what, ": no token for Airflow's API: ",
                                     no_token.message()));
  }
  if (!outcome.last.ok()) {
    return StatusFromNetworkError(description, outcome.last.status(), outcome.attempts);
  }
  const HttpResponse& response = *outcome.last;
  if (response.status == 204) return std::string("null");
  if (response.status >= 200 && response.status < 300) return response.body;
  return StatusFromHttpError(
      description, response,
      AuthFacts{options_.jwt_leeway_seconds, clock_(), api_url_under_edge_worker_v1_});
}

absl::StatusOr<WorkerRegistrationReturn> EdgeApiClient::RegisterWorker(
    const std::string& worker_name, const WorkerStateBody& body) {
  absl::StatusOr<std::string> reply =
      Send({EdgeCall::kRegister, "POST", WorkerPath(worker_name), RegisterBody(body), worker_name});
  if (!reply.ok()) return reply.status();
  return ParseRegistrationReturn(*reply);
}

absl::StatusOr<WorkerSetStateReturn> EdgeApiClient::SetState(const std::string& worker_name,
                                                             const WorkerStateBody& body) {
  absl::StatusOr<std::string> reply =
      Send({EdgeCall::kSetState, "PATCH", WorkerPath(worker_name), SetStateBody(body), worker_name});
  if (!reply.ok()) return reply.status();
  return ParseSetStateReturn(*reply);
}

absl::Status EdgeApiClient::UpdateQueues(
    const std::string& worker_name, const std::optional<std::vector<std::string>>& new_queues,
    const std::optional<std::vector<std::string>>& remove_queues) {
  absl::StatusOr<std::string> reply =
      Send({EdgeCall::kUpdateQueues, "PATCH", WorkerQueuesPath(worker_name),
            UpdateQueuesBody(new_queues, remove_queues), worker_name});
  if (!reply.ok()) return reply.status();
  return ParseAnyJson(*reply);
}

absl::StatusOr<std::optional<EdgeJobFetched>> EdgeApiClient::FetchJob(
    const std::string& worker_name, const FetchRequest& request) {
  absl::StatusOr<std::string> reply = Send(
      {EdgeCall::kFetch, "POST", JobsFetchPath(worker_name), FetchBody(request), worker_name});
  if (!reply.ok()) return reply.status();
  return ParseJobFetched(*reply);
}

absl::Status EdgeApiClient::SetJobState(const JobKey& key, const std::string& state) {
  absl::StatusOr<std::string> reply =
      Send({EdgeCall::kJobState, "PATCH", JobsStatePath(key, state), JobStateBody(key), ""});
  if (!reply.ok()) return reply.status();
  return ParseAnyJson(*reply);
}

absl::StatusOr<std::string> EdgeApiClient::LogfilePath(const JobKey& key) {
  absl::StatusOr<std::string> reply =
      Send({EdgeCall::kLogfilePath, "GET", LogfilePathPath(key), std::nullopt, ""});
  if (!reply.ok()) return reply.status();
  return ParseJsonString(*reply);
}

absl::Status EdgeApiClient::PushLogs(const JobKey& key, absl::Time log_chunk_time,
                                     const std::string& log_chunk_data) {
  absl::StatusOr<std::string> reply =
      Send({EdgeCall::kPushLogs, "POST", LogsPushPath(key),
            PushLogsBody(key, log_chunk_time, log_chunk_data), ""});
  if (!reply.ok()) return reply.status();
  return ParseAnyJson(*reply);
}

absl::StatusOr<std::map<std::string, std::string>> EdgeApiClient::Health() {
  absl::StatusOr<std::string> reply =
      Send({EdgeCall::kHealth, "GET", HealthPath(), std::nullopt, ""});
  if (!reply.ok()) return reply.status();
  return ParseHealth(*reply);
}

}  // namespace edgectl::bridge
