// File: bridge/url_path.h
//
// How edge3's worker (cli/api_client.py) turns a call into a URL, reproduced byte for byte:
//   * the rest path: `worker/{quote(name)}`, `jobs/fetch/{quote(name)}` with Python's
//     urllib.parse.quote(safe="/"); `jobs/state/...`, `logs/...` with dag, task and run ids
//     inserted as they are (edge3 does not quote them; its HTTP library then percent-encodes only
//     what cannot stand in a URL path, so `manual__2026-01-01T00:00:00+00:00` travels unchanged);
//   * the URL: urljoin([edge] api_url, rest_path), RFC 3986 resolution, so `.../v1/rpcapi` and
//     `.../v1/` both give `.../v1/<rest_path>`.
// RestPath::method is the path as the server decodes it, which is what Airflow compares with the
// token's `method` claim. For every name edge3 can serve it equals edge3's signed string; for
// names that quote() changes, edge3 signs the quoted form and is refused, we sign what works.
// Deviation: `?`, `#` and `%` inside ids are percent-encoded (edge3 would cut the path there).
#ifndef EDGECTL_BRIDGE_URL_PATH_H_
#define EDGECTL_BRIDGE_URL_PATH_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "bridge/edge_api.h"

namespace edgectl::bridge {

// Python's urllib.parse.quote(s, safe="/") over the UTF-8 bytes of s.
std::string PythonQuote(std::string_view s);
// Percent-encodes only bytes that cannot appear literally in a URL path segment.
std::string EncodePathChars(std::string_view s);

struct RestPath {
  std::string wire;    // what follows the API base in the request URL (may carry a query)
  std::string method;  // the decoded path without query: the JWT `method` claim
};

RestPath WorkerPath(const std::string& worker_name);
RestPath WorkerQueuesPath(const std::string& worker_name);
RestPath JobsFetchPath(const std::string& worker_name);
RestPath JobsStatePath(const JobKey& key, const std::string& state);
RestPath LogfilePathPath(const JobKey& key);
RestPath LogsPushPath(const JobKey& key);
RestPath HealthPath();

// Python's urljoin(base, relative) for a relative path reference (no scheme, no leading '/').
// Fails when base is not an absolute http(s) URL.
absl::StatusOr<std::string> UrlJoin(const std::string& base, const std::string& relative);

}  // namespace edgectl::bridge

#endif  // EDGECTL_BRIDGE_URL_PATH_H_
