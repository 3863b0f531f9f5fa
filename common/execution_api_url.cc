#include "common/execution_api_url.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace edgectl {

std::string ExecutionApiServerUrl(const AirflowConfig& config) {
  std::string url = config.GetOr("core", "execution_api_server_url", "");
  if (!url.empty()) return url;
  return ExecutionApiUrlFromApiUrl(config.GetOr("edge", "api_url", ""));
}

std::string ExecutionApiUrlFromApiUrl(const std::string& api_url) {
  if (absl::StrContains(api_url, "edge_worker/v1/rpcapi")) {
    return absl::StrReplaceAll(api_url, {{"edge_worker/v1/rpcapi", "execution"}});
  }
  if (const size_t at = api_url.find("edge_worker/v1"); at != std::string::npos) {
    return absl::StrCat(api_url.substr(0, at), "execution");
  }
  return api_url;
}

}  // namespace edgectl
