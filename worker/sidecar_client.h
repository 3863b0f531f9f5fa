// File: worker/sidecar_client.h
//
// The worker's view of the control-plane sidecar (proto/edge_worker.proto, protocol contract in
// docs/ARCHITECTURE.md): one method per RPC, absl::Status codes as the sidecar returns them
// (UNAVAILABLE = retry after reconnecting, FAILED_PRECONDITION = version mismatch, ALREADY_EXISTS
// = duplicate worker name, NOT_FOUND = register again). Implementations never throw.
//
// Connect starts the event stream: events arrive on `on_event` from a reader thread, and
// `on_end` is called exactly once when the stream ends for any reason (server closed it,
// connection lost, Disconnect()). Only one stream is open at a time; Connect replaces it.
#ifndef EDGECTL_WORKER_SIDECAR_CLIENT_H_
#define EDGECTL_WORKER_SIDECAR_CLIENT_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/edge_worker.pb.h"

namespace edgectl::worker {

class SidecarClient {
 public:
  using EventHandler = std::function<void(const v1::ServerEvent&)>;
  using EndHandler = std::function<void(const absl::Status&)>;

  virtual ~SidecarClient() = default;
  virtual absl::StatusOr<v1::RegisterResponse> Register(const v1::RegisterRequest& request) = 0;
  virtual absl::StatusOr<v1::HeartbeatResponse> Heartbeat(const v1::HeartbeatRequest& request) = 0;
  // Asks the centre to confirm this worker's claim on a pushed job before starting it.
  virtual absl::StatusOr<v1::JobClaimReply> ClaimJob(const v1::JobClaim& claim) = 0;
  virtual absl::StatusOr<v1::JobStateAck> ReportJobState(const v1::JobStateReport& report) = 0;
  virtual absl::StatusOr<v1::PushLogsReply> PushLogs(const std::vector<v1::LogChunk>& chunks) = 0;
  // One PushLogs stream whose chunks `next` fills one at a time (false: no more), each written
  // before the next is made, so the caller holds one chunk, not the batch. The default collects
  // them for PushLogs (test doubles); the gRPC client streams them.
  using NextChunk = std::function<bool(v1::LogChunk&)>;
  virtual absl::StatusOr<v1::PushLogsReply> PushLogsFrom(const NextChunk& next) {
    std::vector<v1::LogChunk> chunks;
    v1::LogChunk chunk;
    while (next(chunk)) chunks.push_back(chunk);
    return PushLogs(chunks);
  }
  virtual void Connect(const v1::ConnectRequest& request, EventHandler on_event,
                       EndHandler on_end) = 0;
  // Ends the open stream (if any) and waits until its reader has stopped.
  virtual void Disconnect() = 0;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_SIDECAR_CLIENT_H_
