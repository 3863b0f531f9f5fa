// File: controlplane/execution_relay/execution_api_forwarder.h
//
// Forwards one relayed Execution API request (edge_worker.proto, RelayExecutionApi) to the API
// server and returns its answer as it came: status, headers (but the hop-by-hop ones) and body.
// Only paths under /execution/ pass (proto/execution_relay_rules.h); `/execution/<rest>` goes
// to `<execution_base_url>/<rest>` with the query unchanged. The task's headers pass untouched,
// its bearer token included: the sidecar adds no credential of its own, so a task can do through
// the relay exactly what its token lets it do directly, and nothing else of the API server is
// reachable. Never fails: a refusal or a failure of the forward becomes an HTTP answer with a
// FastAPI-shaped {"detail": ...} (403 path, 400 malformed, 413 body too large, 502 API server
// unreachable or answer too large, 504 no answer within the transport's timeout), which the
// Task SDK's own retries handle. Records every request in RelayMetrics. Thread-safe.
#ifndef EDGECTL_CONTROLPLANE_EXECUTION_RELAY_EXECUTION_API_FORWARDER_H_
#define EDGECTL_CONTROLPLANE_EXECUTION_RELAY_EXECUTION_API_FORWARDER_H_

#include <cstddef>
#include <string>

#include "bridge/http_transport.h"
#include "controlplane/execution_relay/relay_metrics.h"
#include "proto/edge_worker.pb.h"

namespace edgectl::controlplane {

struct ExecutionApiForwarderOptions {
  std::string execution_base_url;  // e.g. http://airflow:8080/execution
  size_t max_body_bytes;
};

class ExecutionApiForwarder {
 public:
  ExecutionApiForwarder(ExecutionApiForwarderOptions options, bridge::HttpTransport& transport,
                        RelayMetrics& metrics);

  v1::ExecutionApiResponse Forward(const v1::ExecutionApiRequest& request) const;

 private:
  v1::ExecutionApiResponse ForwardChecked(const v1::ExecutionApiRequest& request) const;

  const ExecutionApiForwarderOptions options_;
  bridge::HttpTransport& transport_;
  RelayMetrics& metrics_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_EXECUTION_RELAY_EXECUTION_API_FORWARDER_H_
