#include "controlplane/execution_relay/execution_api_forwarder.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "proto/execution_relay_rules.h"

namespace edgectl::controlplane {
namespace {

bool KnownMethod(const std::string& method) {
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return true;
  }
  return false;
}

}  // namespace

ExecutionApiForwarder::ExecutionApiForwarder(ExecutionApiForwarderOptions options,
                                             bridge::HttpTransport& transport,
                                             RelayMetrics& metrics)
    : options_(std::move(options)), transport_(transport), metrics_(metrics) {}

v1::ExecutionApiResponse ExecutionApiForwarder::Forward(
    const v1::ExecutionApiRequest& request) const {
  const absl::Time start = absl::Now();
  v1::ExecutionApiResponse response = ForwardChecked(request);
  response.set_request_id(request.request_id());
  metrics_.Record(request.path(), response.status(), absl::Now() - start);
  return response;
}

v1::ExecutionApiResponse ExecutionApiForwarder::ForwardChecked(
    const v1::ExecutionApiRequest& request) const {
  if (absl::Status path = v1::CheckExecutionPath(request.path()); !path.ok()) {
    return v1::RelayDetailResponse(403, std::string(path.message()));
  }
  if (!KnownMethod(request.method())) {
    return v1::RelayDetailResponse(
        400, absl::StrCat("the edgectl relay does not carry HTTP method '",
                          request.method().substr(0, 16), "'"));
  }
  if (request.body().size() > options_.max_body_bytes) {
    return v1::RelayDetailResponse(
        413, absl::StrCat("the request body has ", request.body().size(),
                          " bytes; the edgectl relay carries at most ", options_.max_body_bytes));
  }
  bridge::HttpRequest out;
  out.method = request.method();
  const absl::string_view rest =
      absl::string_view(request.path()).substr(sizeof(v1::kExecutionPathPrefix) - 1);
  out.url = absl::StrCat(absl::StripSuffix(options_.execution_base_url, "/"), "/", rest,
                         request.query().empty() ? "" : "?", request.query());
  for (const v1::HttpHeader& header : request.headers()) {
    if (v1::IsHopByHopHeader(header.name()) || absl::EqualsIgnoreCase(header.name(), "expect")) {
      continue;
    }
    out.headers.emplace_back(header.name(), header.value());
  }
  if (!request.body().empty() || (out.method != "GET" && out.method != "HEAD" &&
                                  out.method != "DELETE" && out.method != "OPTIONS")) {
    out.body = request.body();
  }
  absl::StatusOr<bridge::HttpResponse> answer = transport_.Send(out);
  if (!answer.ok()) {
    const bool timed_out = answer.status().code() == absl::StatusCode::kDeadlineExceeded;
    return v1::RelayDetailResponse(
        timed_out ? 504 : 502,
        absl::StrCat("edgectl sidecar relay: the Airflow API server's Execution API ",
                     timed_out ? "did not answer in time" : "could not be reached", ": ",
                     answer.status().message()));
  }
  if (answer->body.size() > options_.max_body_bytes) {
    return v1::RelayDetailResponse(
        502, absl::StrCat("edgectl sidecar relay: the API server's answer has ",
                          answer->body.size(), " bytes; the relay carries at most ",
                          options_.max_body_bytes));
  }
  v1::ExecutionApiResponse response;
  response.set_status(answer->status);
  for (const auto& [name, value] : answer->header_lines) {
    if (v1::IsHopByHopHeader(name)) continue;
    v1::HttpHeader* header = response.add_headers();
    header->set_name(name);
    header->set_value(value);
  }
  response.set_body(std::move(answer->body));
  return response;
}

}  // namespace edgectl::controlplane
