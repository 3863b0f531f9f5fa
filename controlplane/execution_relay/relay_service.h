// File: controlplane/execution_relay/relay_service.h
//
// The sidecar's Execution API relay: forwards relayed requests (ExecutionApiForwarder) on its
// own threads, apart from the Executor that serves Airflow's edge API and PostgreSQL, so slow
// Execution API calls never delay dispatch or job state reports. Work is queued per worker
// (the caller's fair-share key): a worker runs at most `running_per_worker` forwards at once and
// queues at most `queued_per_worker`; beyond that its request is answered 503 with Retry-After
// at once, and other workers keep their turn. Thread-safe; Shutdown() finishes what is queued.
#ifndef EDGECTL_CONTROLPLANE_EXECUTION_RELAY_RELAY_SERVICE_H_
#define EDGECTL_CONTROLPLANE_EXECUTION_RELAY_RELAY_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "bridge/http_transport.h"
#include "controlplane/execution_relay/execution_api_forwarder.h"
#include "controlplane/execution_relay/relay_metrics.h"
#include "controlplane/executor.h"
#include "proto/edge_worker.pb.h"

namespace edgectl::controlplane {

struct RelayServiceOptions {
  ExecutionApiForwarderOptions forward;
  size_t threads = 32;
  size_t running_per_worker = 8;
  size_t queued_per_worker = 256;
  // Requests one stream may have in flight before its next ones are answered 503.
  size_t max_in_flight_per_stream = 128;
};

class ExecutionRelayService {
 public:
  ExecutionRelayService(RelayServiceOptions options,
                        std::unique_ptr<bridge::HttpTransport> transport);
  ~ExecutionRelayService();

  using Done = std::function<void(v1::ExecutionApiResponse)>;
  // Calls `done` exactly once, on a relay thread (or at once when refused).
  void Submit(const std::string& fair_key, std::shared_ptr<const v1::ExecutionApiRequest> request,
              Done done);
  void Shutdown();

  size_t max_in_flight_per_stream() const { return options_.max_in_flight_per_stream; }
  const RelayMetrics& metrics() const { return metrics_; }

 private:
  const RelayServiceOptions options_;
  std::unique_ptr<bridge::HttpTransport> transport_;
  RelayMetrics metrics_;
  ExecutionApiForwarder forwarder_;
  Executor executor_;
};

// A 503 the Task SDK retries, with Retry-After.
v1::ExecutionApiResponse RelayBusyResponse(uint64_t request_id, const std::string& why);

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_EXECUTION_RELAY_RELAY_SERVICE_H_
