// File: worker/execution_relay/relay_http_endpoint.h
//
// The worker's loopback HTTP/1.1 endpoint for task processes' Execution API calls (tasks get
// AIRFLOW__CORE__EXECUTION_API_SERVER_URL = execution_api_url()). Every request under
// /execution/ becomes one ExecutionApiRequest (method, raw path and query, headers but the
// hop-by-hop ones, body) handed to the relay; its answer goes back to the task as it came
// (status, headers, body). Where the relay itself fails the task gets an answer its Task SDK
// retries, with a FastAPI-shaped {"detail": ...}: 502 (sidecar unreachable or refused the
// relay), 503 + Retry-After (too many requests in flight), 504 (no answer in time). Paths outside
// /execution/ get 403 here already; bodies above kMaxRelayBodyBytes get 413. Binds 127.0.0.1
// only: nothing off this machine reaches it. Keep-alive connections are served.
#ifndef EDGECTL_WORKER_EXECUTION_RELAY_RELAY_HTTP_ENDPOINT_H_
#define EDGECTL_WORKER_EXECUTION_RELAY_RELAY_HTTP_ENDPOINT_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "proto/edge_worker.pb.h"

namespace httplib {
class Server;
}

namespace edgectl::worker {

struct RelayEndpointOptions {
  // Serving threads: a keep-alive connection holds one while it is open, so more than the tasks
  // that may call at once.
  int threads = 96;
};

class RelayHttpEndpoint {
 public:
  using Relay =
      std::function<absl::StatusOr<v1::ExecutionApiResponse>(v1::ExecutionApiRequest request)>;

  RelayHttpEndpoint(Relay relay, RelayEndpointOptions options = {});
  ~RelayHttpEndpoint();
  RelayHttpEndpoint(const RelayHttpEndpoint&) = delete;
  RelayHttpEndpoint& operator=(const RelayHttpEndpoint&) = delete;

  // Binds 127.0.0.1:preferred_port when it is free (> 0), else any free port; serves on
  // background threads. Returns the port.
  absl::StatusOr<int> Start(int preferred_port);
  void Stop();

  // "http://127.0.0.1:PORT/execution"
  std::string execution_api_url() const;

 private:
  void Install();

  Relay relay_;
  const RelayEndpointOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// The HTTP answer a task gets when the relay could not deliver its request (see above).
v1::ExecutionApiResponse RelayFailureResponse(const absl::Status& status);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_EXECUTION_RELAY_RELAY_HTTP_ENDPOINT_H_
