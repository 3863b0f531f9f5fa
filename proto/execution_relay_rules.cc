#include "proto/execution_relay_rules.h"

#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace edgectl::v1 {
namespace {

// "%2e" / "%2E" decoded; other escapes are left as they are (only dots matter here).
std::string DecodeDots(absl::string_view segment) {
  std::string out;
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '%' && i + 2 < segment.size() &&
        segment[i + 1] == '2' && (segment[i + 2] == 'e' || segment[i + 2] == 'E')) {
      out.push_back('.');
      i += 2;
    } else {
      out.push_back(segment[i]);
    }
  }
  return out;
}

}  // namespace

bool IsHopByHopHeader(absl::string_view name) {
  static const char* const kHopByHop[] = {
      "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
      "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length",
      "remote_addr", "remote_port", "local_addr", "local_port"};
  for (const char* hop : kHopByHop) {
    if (absl::EqualsIgnoreCase(name, hop)) return true;
  }
  return false;
}

absl::Status CheckExecutionPath(absl::string_view path) {
  auto refuse = [&](absl::string_view why) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the edgectl relay carries only Airflow's Task Execution API (paths under ",
        kExecutionPathPrefix, "); ", why));
  };
  if (!absl::StartsWith(path, kExecutionPathPrefix)) {
    return refuse(absl::StrCat("'", path.substr(0, 64), "' is outside it"));
  }
  if (absl::StrContains(path, "\\") || absl::StrContains(absl::AsciiStrToLower(path), "%5c")) {
    return refuse("a path with a backslash is refused");
  }
  for (absl::string_view segment : absl::StrSplit(path, '/')) {
    const std::string decoded = DecodeDots(segment);
    if (decoded == "." || decoded == "..") return refuse("a path with . or .. segments is refused");
  }
  return absl::OkStatus();
}

ExecutionApiResponse RelayDetailResponse(int status, const std::string& detail) {
  ExecutionApiResponse response;
  response.set_status(status);
  HttpHeader* type = response.add_headers();
  type->set_name("content-type");
  type->set_value("application/json");
  response.set_body(nlohmann::json{{"detail", detail}}.dump());
  return response;
}

ExecutionApiResponse RelayBusyResponse(const std::string& detail) {
  ExecutionApiResponse response = RelayDetailResponse(503, detail);
  HttpHeader* retry = response.add_headers();
  retry->set_name("retry-after");
  retry->set_value("1");
  return response;
}

}  // namespace edgectl::v1
