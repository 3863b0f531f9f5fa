// File: worker/health/health_endpoint.h
//
// The worker's optional health endpoint (`--health-check-addr HOST:PORT`, or
// `[edge] health_check_addr`): GET /status (JSON), /metrics (Prometheus) and /healthz, served by
// cpp-httplib on a thread of its own from the latest WorkerStatusBoard snapshot, so a scrape never
// touches the worker's loop. Off by default; bind it to 127.0.0.1 unless a scraper elsewhere
// needs it (it shows job keys but no secrets, and accepts no writes: anything but GET/HEAD is 405).
#ifndef EDGECTL_WORKER_HEALTH_HEALTH_ENDPOINT_H_
#define EDGECTL_WORKER_HEALTH_HEALTH_ENDPOINT_H_

#include <httplib.h>

#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "common/metrics/scrape_registry.h"
#include "worker/health/worker_status_board.h"

namespace edgectl::worker {

class HealthEndpoint {
 public:
  // `board` must outlive the endpoint.
  explicit HealthEndpoint(const WorkerStatusBoard& board);
  ~HealthEndpoint();

  // Binds `address` ("host:port", port 0 = any free one) and serves; returns the bound port.
  // INVALID_ARGUMENT for an address that is not host:port, UNAVAILABLE when it cannot bind.
  absl::StatusOr<int> Start(const std::string& address);
  void Stop();

 private:
  const WorkerStatusBoard& board_;
  metrics::ScrapeRegistry scrape_;
  httplib::Server server_;
  std::thread thread_;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_HEALTH_HEALTH_ENDPOINT_H_
