// File: bridge/http_error.h
//
// Turns the final outcome of an edge API call into the absl::Status edge_api.h promises, with
// HttpStatusOf() attached. Messages name the call, the HTTP status and Airflow's `detail`, and
// say what to do; they never contain the JWT secret or a token. A 403 names the likely cause:
// clock skew (the server's Date header is further off than [api_auth] jwt_leeway), the method
// claim ([edge] api_url does not resolve under /edge_worker/v1/, so the signed path cannot match
// the one the server sees), or otherwise the shared secret.
#ifndef EDGECTL_BRIDGE_HTTP_ERROR_H_
#define EDGECTL_BRIDGE_HTTP_ERROR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bridge/http_transport.h"

namespace edgectl::bridge {

enum class EdgeCall { kRegister, kSetState, kUpdateQueues, kFetch, kJobState, kLogfilePath,
                      kPushLogs, kHealth };

struct CallDescription {
  EdgeCall call;
  std::string what;         // "POST worker/host-1"
  std::string worker_name;  // "" when the call is about a job
};

struct AuthFacts {
  int jwt_leeway_seconds = 10;
  absl::Time local_now;
  bool api_url_under_edge_worker_v1 = true;
};

// Airflow's `detail` (a string, or a FastAPI validation list as compact JSON), else the body.
std::string ServerDetail(const std::string& body);

absl::Status StatusFromHttpError(const CallDescription& call, const HttpResponse& response,
                                 const AuthFacts& auth);
absl::Status StatusFromNetworkError(const CallDescription& call, const absl::Status& error,
                                    int attempts);

}  // namespace edgectl::bridge

#endif  // EDGECTL_BRIDGE_HTTP_ERROR_H_
