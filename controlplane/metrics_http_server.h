// File: controlplane/metrics_http_server.h
//
// Serves GET /metrics (Prometheus text format 0.0.4) on its own address with cpp-httplib, apart
// from the gRPC port so scraping needs no gRPC and the endpoint can stay on localhost. Other
// routes (the fleet page, controlplane/web/) are mounted with Mount() before Start().
// Each connection serves one request and closes: an idle keep-alive connection would hold one
// of the server's few threads, so a hundred open pages could starve /metrics scrapes.
#ifndef EDGECTL_CONTROLPLANE_METRICS_HTTP_SERVER_H_
#define EDGECTL_CONTROLPLANE_METRICS_HTTP_SERVER_H_

#include <httplib.h>

#include <functional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "controlplane/metrics.h"

namespace edgectl::controlplane {

class MetricsHttpServer {
 public:
  explicit MetricsHttpServer(const Metrics& metrics);
  ~MetricsHttpServer();

  // Lets `mount` add routes and default headers (before Start()).
  void Mount(const std::function<void(httplib::Server&)>& mount) { mount(server_); }

  // Binds host:port (0 = any free port) and serves in a background thread; returns the port.
  absl::StatusOr<int> Start(const std::string& host, int port);
  void Stop();

 private:
  httplib::Server server_;
  std::thread thread_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_METRICS_HTTP_SERVER_H_
