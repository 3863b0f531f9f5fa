#include "worker/execution_relay/execution_api_relay.h"

#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "spdlog/spdlog.h"
#include "worker/local_files.h"

namespace edgectl::worker {
namespace {

int RememberedPort(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  int port = 0;
  if (!std::getline(in, text) || !absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port) ||
      port <= 0 || port > 65535) {
    return 0;
  }
  return port;
}

}  // namespace

ExecutionApiRelay::ExecutionApiRelay(RelayStreamFactory& streams, ExecutionApiRelayOptions options)
    : options_(std::move(options)),
      client_(streams, options_.client),
      endpoint_([this](v1::ExecutionApiRequest request) { return client_.Call(std::move(request)); },
                options_.endpoint) {}

ExecutionApiRelay::~ExecutionApiRelay() { Stop(); }

absl::StatusOr<std::string> ExecutionApiRelay::Start() {
  const int wanted = options_.port > 0 ? options_.port : RememberedPort(options_.port_file);
  absl::StatusOr<int> port = endpoint_.Start(wanted);
  if (!port.ok()) return port.status();
  if (options_.port > 0 && *port != options_.port) {
    return absl::UnavailableError(absl::StrCat(
        "[edge] execution_api_relay_port ", options_.port,
        " is in use on 127.0.0.1; free it or choose another port (0 = any)"));
  }
  if (wanted > 0 && *port != wanted) {
    spdlog::warn("Execution API relay: port {} of the last run is taken; tasks adopted from that "
                 "run cannot reach the Execution API until they retry elsewhere",
                 wanted);
  }
  if (!options_.port_file.empty()) {
    if (absl::Status s = WriteFileAtomically(options_.port_file, absl::StrCat(*port, "\n"), 0600);
        !s.ok()) {
      spdlog::warn("Execution API relay: cannot remember the port: {}", std::string(s.message()));
    }
  }
  return endpoint_.execution_api_url();
}

void ExecutionApiRelay::Stop() {
  // Requests waiting for an answer get a 502 at once instead of their timeout, so the
  // endpoint's threads (which Stop() joins) are free.
  client_.Shutdown();
  endpoint_.Stop();
}

}  // namespace edgectl::worker
