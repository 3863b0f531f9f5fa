#include "worker/health/health_endpoint.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/httplib_server.h"
#include "common/metrics/process_metrics.h"
#include "worker/health/worker_health_report.h"

namespace edgectl::worker {

HealthEndpoint::HealthEndpoint(const WorkerStatusBoard& board) : board_(board) {
  scrape_.AddCollector([this] { return WorkerMetricFamilies(board_.Latest()); });
  scrape_.AddCollector([] {
    std::vector<prometheus::MetricFamily> out = metrics::CollectProcessMetrics();
    out.push_back(metrics::BuildInfoFamily("edgectl_worker"));
    return out;
  });
  server_.set_keep_alive_max_count(1);
  server_.set_socket_options(ExclusivePortSocketOptions);
  server_.Get("/status", [this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(StatusJson(board_.Latest()), "application/json");
  });
  server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(scrape_.RenderText(), metrics::kTextContentType);
  });
  server_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status": "ok"})", "application/json");
  });
  const auto refuse = [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "GET, HEAD");
  };
  server_.Post(".*", refuse);
  server_.Put(".*", refuse);
  server_.Delete(".*", refuse);
  server_.Patch(".*", refuse);
}

HealthEndpoint::~HealthEndpoint() { Stop(); }

absl::StatusOr<int> HealthEndpoint::Start(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--health-check-addr must be HOST:PORT (e.g. 127.0.0.1:8790), not '", address, "'"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const int bound = BindAndServe(server_, host, port, &thread_);
  if (bound <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot serve the health endpoint on ", address,
                                               " (address in use?); choose another "
                                               "--health-check-addr"));
  }
  return bound;
}

void HealthEndpoint::Stop() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace edgectl::worker
