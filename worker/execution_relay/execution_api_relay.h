// File: worker/execution_relay/execution_api_relay.h
//
// The worker's Execution API relay, assembled: the loopback endpoint tasks call and the client
// that carries their requests over the sidecar link. Start() binds the port this worker used
// last (remembered in `port_file`, so tasks that outlived a worker restart and were adopted keep
// reaching their Execution API), or the configured one, or any free port, and returns the URL
// to give tasks. Stop() (and the destructor) fails what is in flight with 502, then stops
// serving.
#ifndef EDGECTL_WORKER_EXECUTION_RELAY_EXECUTION_API_RELAY_H_
#define EDGECTL_WORKER_EXECUTION_RELAY_EXECUTION_API_RELAY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "worker/execution_relay/relay_client.h"
#include "worker/execution_relay/relay_http_endpoint.h"
#include "worker/execution_relay/relay_stream.h"

namespace edgectl::worker {

struct ExecutionApiRelayOptions {
  RelayClientOptions client;
  RelayEndpointOptions endpoint;
  int port = 0;           // [edge] execution_api_relay_port; 0 = last used, else any
  std::string port_file;  // where the port in use is remembered
};

class ExecutionApiRelay {
 public:
  ExecutionApiRelay(RelayStreamFactory& streams, ExecutionApiRelayOptions options);
  ~ExecutionApiRelay();

  // The URL for AIRFLOW__CORE__EXECUTION_API_SERVER_URL.
  absl::StatusOr<std::string> Start();
  void Stop();

 private:
  const ExecutionApiRelayOptions options_;
  ExecutionApiRelayClient client_;
  RelayHttpEndpoint endpoint_;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_EXECUTION_RELAY_EXECUTION_API_RELAY_H_
