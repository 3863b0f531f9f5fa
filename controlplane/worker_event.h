// File: controlplane/worker_event.h
//
// What the sidecar pushes down a worker's Connect stream, in domain terms (the gRPC adapter
// converts it to edgectl.v1.ServerEvent), and the EventStream a session writes to.
#ifndef EDGECTL_CONTROLPLANE_WORKER_EVENT_H_
#define EDGECTL_CONTROLPLANE_WORKER_EVENT_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"

#include "bridge/edge_api.h"

namespace edgectl::controlplane {

// The server-side view of a worker (a HeartbeatResponse).
struct WorkerView {
  bridge::WorkerSetStateReturn state;
  int heartbeat_interval_seconds = 30;
};

struct WorkerEvent {
  enum class Kind { kJob, kStateChange, kWelcome };
  Kind kind = Kind::kJob;
  bridge::EdgeJobFetched job;  // kJob
  uint64_t dispatch_id = 0;    // kJob
  WorkerView view;             // kStateChange, kWelcome
};

// One worker's open Connect stream. Send() queues the event behind earlier ones and calls
// `written(true)` once gRPC has accepted it, or `written(false)` when it can never be written
// (stream broken, cancelled or already closed). Callbacks run on gRPC or caller threads and must
// be quick. Cancel() ends the stream (a newer Connect replaced it, or shutdown); End() ends it
// with a status the worker sees (e.g. UNAUTHENTICATED after its token was revoked).
class EventStream {
 public:
  virtual ~EventStream() = default;
  virtual void Send(WorkerEvent event, std::function<void(bool written)> written) = 0;
  virtual void Cancel() = 0;
  virtual void End(const absl::Status& why) = 0;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_WORKER_EVENT_H_
