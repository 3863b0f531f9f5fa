// File: proto/execution_relay_rules.h
//
// What both ends of RelayExecutionApi (edge_worker.proto) agree on beyond the messages: which
// paths may pass (only Airflow's Task Execution API, /execution/...), which headers belong to a
// single HTTP hop and are never relayed, and the largest body either way. One definition, so
// the worker's loopback endpoint refuses early exactly what the sidecar would refuse.
#ifndef EDGECTL_PROTO_EXECUTION_RELAY_RULES_H_
#define EDGECTL_PROTO_EXECUTION_RELAY_RULES_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "proto/edge_worker.pb.h"

namespace edgectl::v1 {

// The path prefix tasks use on the worker's endpoint and the sidecar forwards.
inline constexpr char kExecutionPathPrefix[] = "/execution/";

// Largest request or response body relayed (3 MiB): Execution API bodies are small (heartbeats,
// states, variables, connections); XCom values are the large ones, and Airflow keeps big ones in
// an object-storage XCom backend. With the headers it stays under gRPC's 4 MiB message limit.
inline constexpr size_t kMaxRelayBodyBytes = size_t{3} << 20;

// Connection, Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade, Host and
// Content-Length (each hop sets its own), and the pseudo-headers cpp-httplib adds to a request
// it received (REMOTE_ADDR, ...). Case-insensitive.
bool IsHopByHopHeader(absl::string_view name);

// OK for a path under /execution/ without "." or ".." segments (also percent-encoded ones) or
// backslashes, which a proxy in front of the API server might resolve to another route;
// PERMISSION_DENIED otherwise, with a message saying what the relay carries.
absl::Status CheckExecutionPath(absl::string_view path);

// An answer the relay makes itself (on either end), in FastAPI's error shape
// ({"detail": ...}, application/json) so the Task SDK reads it like the API server's own.
ExecutionApiResponse RelayDetailResponse(int status, const std::string& detail);
// A 503 with `Retry-After: 1`: the relay is busy, the Task SDK retries.
ExecutionApiResponse RelayBusyResponse(const std::string& detail);

}  // namespace edgectl::v1

#endif  // EDGECTL_PROTO_EXECUTION_RELAY_RULES_H_
