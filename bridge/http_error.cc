#include "bridge/http_error.h"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "bridge/edge_api.h"

namespace edgectl::bridge {
namespace {

constexpr size_t kMaxDetail = 500;

std::string Prefix(const CallDescription& call, int status, const std::string& detail) {
  return absl::StrCat("Airflow edge API ", call.what, " answered HTTP ", status,
                      detail.empty() ? "" : absl::StrCat(" (", detail, ")"));
}

std::string LikelyForbiddenCause(const HttpResponse& response, const AuthFacts& auth) {
  auto date = response.headers.find("date");
  absl::Time server_now;
  std::string error;
  if (date != response.headers.end() &&
      absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", date->second, &server_now, &error)) {
    const int64_t skew = absl::ToInt64Seconds(server_now - auth.local_now);
    if (std::llabs(skew) > auth.jwt_leeway_seconds) {
      return absl::StrCat("likely cause: clock skew - the API server's clock differs from this "
                          "host's by ", skew, " s, more than [api_auth] jwt_leeway (",
                          auth.jwt_leeway_seconds, " s); synchronise the clocks (NTP)");
    }
  }
  if (!auth.api_url_under_edge_worker_v1) {
    // The route matched on the server although our URL does not name /edge_worker/v1/: a proxy
    // rewrites paths, and a rewrite that touches the rest path breaks the signed claim.
    return "likely cause: the method claim - [edge] api_url does not point at /edge_worker/v1/, "
           "so a proxy rewrites the path and the path Airflow checks differs from the signed "
           "one; point [edge] api_url at https://HOST/edge_worker/v1/ without rewriting";
  }
  return "likely cause: the secret - [api_auth] jwt_secret here differs from the API server's "
         "(also check [api_auth] jwt_issuer; if the secret is right, the method claim: something "
         "between here and Airflow changes the request path)";
}

}  // namespace

std::string ServerDetail(const std::string& body) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string detail;
  if (parsed.is_object() && parsed.contains("detail")) {
    const nlohmann::json& d = parsed["detail"];
    detail = d.is_string() ? d.get<std::string>()
                           : d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    detail = body;
  }
  if (detail.size() > kMaxDetail) detail = absl::StrCat(detail.substr(0, kMaxDetail), "...");
  return detail;
}

absl::Status StatusFromHttpError(const CallDescription& call, const HttpResponse& response,
                                 const AuthFacts& auth) {
  const int code = response.status;
  const std::string prefix = Prefix(call, code, ServerDetail(response.body));
  absl::Status status;
  const bool version_checked = call.call == EdgeCall::kRegister || call.call == EdgeCall::kSetState;
  if (code == 400 && version_checked) {
    status = absl::FailedPreconditionError(absl::StrCat(
        prefix, ": Airflow rejected this worker's versions; install the Airflow and edge3 "
        "provider versions the API server runs", call.call == EdgeCall::kSetState
            ? " (the state was stored before the rejection)" : ""));
  } else if (code == 409 && call.call == EdgeCall::kRegister) {
    status = absl::AlreadyExistsError(absl::StrCat(
        prefix, ": a worker with the name '", call.worker_name, "' is already active. Please "
        "ensure worker names are unique, or stop the existing worker before starting a new one"));
  } else if (code == 409) {
    status = absl::AlreadyExistsError(absl::StrCat(
        prefix, ": the job is keyed by task-instance UUID and needs a worker reporting "
        "supports_task_instance_uuid"));
  } else if (code == 403) {
    status = absl::PermissionDeniedError(
        absl::StrCat(prefix, ": Airflow refused the token; ", LikelyForbiddenCause(response, auth)));
  } else if (code == 404) {
    status = absl::NotFoundError(absl::StrCat(
        prefix, call.worker_name.empty() ? ": the task instance is unknown to Airflow"
                                         : ": the worker is not registered; register it first"));
  } else if (code == 405) {
    status = absl::NotFoundError(absl::StrCat(
        prefix, ": the edge API is not enabled; set [edge] api_enabled = True on the Airflow API "
        "server, and check [edge] api_url"));
  } else if (code >= 500 || code == 429) {
    status = absl::UnavailableError(absl::StrCat(
        prefix, " on every attempt; the Airflow API server is overloaded or failing, try later"));
  } else {
    status = absl::InvalidArgumentError(absl::StrCat(prefix, ": Airflow refused the request"));
  }
  return WithHttpStatus(status, code);
}

absl::Status StatusFromNetworkError(const CallDescription& call, const absl::Status& error,
                                    int attempts) {
  return absl::UnavailableError(absl::StrCat(
      "Airflow edge API ", call.what, " unreachable after ", attempts, " attempt",
      attempts == 1 ? "" : "s", ": ", error.message(),
      ". Check [edge] api_url and that the Airflow API server is running and reachable"));
}

}  // namespace edgectl::bridge
