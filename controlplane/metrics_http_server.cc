#include "controlplane/metrics_http_server.h"

#include "absl/strings/str_cat.h"
#include "common/httplib_server.h"
#include "common/metrics/scrape_registry.h"

namespace edgectl::controlplane {

MetricsHttpServer::MetricsHttpServer(const Metrics& metrics) {
  server_.set_keep_alive_max_count(1);
  server_.set_socket_options(ExclusivePortSocketOptions);
  server_.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.RenderPrometheusText(), edgectl::metrics::kTextContentType);
  });
}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

absl::StatusOr<int> MetricsHttpServer::Start(const std::string& host, int port) {
  const int bound = BindAndServe(server_, host, port, &thread_);
  if (bound <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for /metrics on ", host, ":", port,
                                               " (address in use?); choose --metrics-address"));
  }
  return bound;
}

void MetricsHttpServer::Stop() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace edgectl::controlplane
