#include "worker/execution_relay/relay_http_endpoint.h"

#include <httplib.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/httplib_server.h"
#include "proto/execution_relay_rules.h"

namespace edgectl::worker {
namespace {

v1::ExecutionApiRequest ToRelayRequest(const httplib::Request& req) {
  v1::ExecutionApiRequest out;
  out.set_method(req.method);
  // The raw target keeps the task's percent-encoding (req.path is decoded).
  const std::string& target = req.target.empty() ? req.path : req.target;
  const size_t question = target.find('?');
  out.set_path(target.substr(0, question));
  if (question != std::string::npos) out.set_query(target.substr(question + 1));
  for (const auto& [name, value] : req.headers) {
    if (v1::IsHopByHopHeader(name)) continue;
    v1::HttpHeader* header = out.add_headers();
    header->set_name(name);
    header->set_value(value);
  }
  out.set_body(req.body);
  return out;
}

void Answer(const v1::ExecutionApiResponse& response, httplib::Response& res) {
  res.status = response.status();
  std::string content_type;
  for (const v1::HttpHeader& header : response.headers()) {
    if (v1::IsHopByHopHeader(header.name())) continue;
    if (absl::EqualsIgnoreCase(header.name(), "content-type")) {
      content_type = header.value();
      continue;
    }
    res.headers.emplace(header.name(), header.value());
  }
  if (response.body().empty()) {
    if (!content_type.empty()) res.set_header("Content-Type", content_type);
    return;
  }
  // A body given as a provider of known length goes out byte for byte: with set_content,
  // cpp-httplib would compress it for a client that accepts gzip, again if the API server had
  // compressed it already.
  auto body = std::make_shared<std::string>(response.body());
  res.set_content_provider(
      body->size(), content_type.c_str(),
      [body](size_t offset, size_t length, httplib::DataSink& sink) {
        sink.write(body->data() + offset, length);
        return true;
      });
  if (content_type.empty()) res.headers.erase("Content-Type");
}

}  // namespace

v1::ExecutionApiResponse RelayFailureResponse(const absl::Status& status) {
  const std::string why(status.message());
  switch (status.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      return v1::RelayDetailResponse(504, absl::StrCat("edgectl worker relay: ", why));
    case absl::StatusCode::kResourceExhausted:
      return v1::RelayBusyResponse(absl::StrCat("edgectl worker relay: ", why, "; retry"));
    case absl::StatusCode::kUnimplemented:
      return v1::RelayDetailResponse(
          502, "edgectl worker relay: the sidecar does not relay the Execution API (an edgectl "
               "controlplane older than protocol version 2, or one started with "
               "[edge] controlplane_execution_api_relay = False)");
    default:
      return v1::RelayDetailResponse(
          502, absl::StrCat("edgectl worker relay: the sidecar could not be reached (",
                            absl::StatusCodeToString(status.code()), ": ", why, ")"));
  }
}

RelayHttpEndpoint::RelayHttpEndpoint(Relay relay, RelayEndpointOptions options)
    : relay_(std::move(relay)), options_(options), server_(std::make_unique<httplib::Server>()) {
  Install();
}

RelayHttpEndpoint::~RelayHttpEndpoint() { Stop(); }

void RelayHttpEndpoint::Install() {
  const int threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_payload_max_length(v1::kMaxRelayBodyBytes);
  // Headers and body go out in separate writes: without this, Nagle and the task's delayed ACK
  // add 40 ms to every answer.
  server_->set_tcp_nodelay(true);
  // Another worker on this host may hold the remembered port: then bind elsewhere, never share
  // it (tasks would reach the other worker's relay).
  server_->set_socket_options(ExclusivePortSocketOptions);
  server_->set_keep_alive_max_count(1000);
  server_->set_keep_alive_timeout(5);
  auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    v1::ExecutionApiRequest request = ToRelayRequest(req);
    if (absl::Status path = v1::CheckExecutionPath(request.path()); !path.ok()) {
      Answer(v1::RelayDetailResponse(403, std::string(path.message())), res);
      return;
    }
    absl::StatusOr<v1::ExecutionApiResponse> answer = relay_(std::move(request));
    Answer(answer.ok() ? *answer : RelayFailureResponse(answer.status()), res);
  };
  const char* kAny = R"(/.*)";
  server_->Get(kAny, handle);  // HEAD too
  server_->Post(kAny, handle);
  server_->Put(kAny, handle);
  server_->Patch(kAny, handle);
  server_->Delete(kAny, handle);
  server_->Options(kAny, handle);
}

absl::StatusOr<int> RelayHttpEndpoint::Start(int preferred_port) {
  int bound = -1;
  if (preferred_port > 0 && server_->bind_to_port("127.0.0.1", preferred_port)) {
    bound = preferred_port;
  } else {
    bound = server_->bind_to_any_port("127.0.0.1");
  }
  if (bound <= 0) {
    return absl::UnavailableError(
        "cannot listen on 127.0.0.1 for the Execution API relay: no free port");
  }
  port_ = bound;
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  WaitUntilListening(*server_);
  return port_;
}

void RelayHttpEndpoint::Stop() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string RelayHttpEndpoint::execution_api_url() const {
  return absl::StrCat("http://127.0.0.1:", port_, "/execution");
}

}  // namespace edgectl::worker
