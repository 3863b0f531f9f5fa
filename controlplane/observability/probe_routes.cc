#include "controlplane/observability/probe_routes.h"

namespace edgectl::controlplane {

void MountProbeRoutes(httplib::Server& server, ReadinessProbe& readiness) {
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(R"({"status": "ok"})", "application/json");
  });
  server.Get("/readyz", [&readiness](const httplib::Request&, httplib::Response& res) {
    const ReadinessReport report = readiness.Check();
    res.status = report.ready() ? 200 : 503;
    res.set_header("Cache-Control", "no-store");
    res.set_content(report.Json(), "application/json");
  });
}

}  // namespace edgectl::controlplane
