// File: controlplane/connect_stream.h
//
// The Connect server stream as a callback-API reactor (no thread per stream) plus the
// EventStream the WorkerRegistry writes to. gRPC allows one outstanding write per stream, so
// events queue here and go out in order from OnWriteDone; each event's `written` callback tells
// the sender (the dispatcher) whether gRPC accepted it. Decisions are taken under a mutex and
// gRPC calls (StartWrite, Finish) made outside it, because gRPC may run reactions inline.
// The reactor deletes itself in OnDone; the EventStream outlives it (shared_ptr) and then fails
// every Send.
#ifndef EDGECTL_CONTROLPLANE_CONNECT_STREAM_H_
#define EDGECTL_CONTROLPLANE_CONNECT_STREAM_H_

#include <grpcpp/grpcpp.h>

#include <list>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/worker_event.h"
#include "proto/edge_worker.grpc.pb.h"

namespace edgectl::controlplane {

class ConnectStream final : public EventStream {
 public:
  using Reactor = grpc::ServerWriteReactor<v1::ServerEvent>;
  ConnectStream(Reactor* reactor, grpc::CallbackServerContext* context)
      : reactor_(reactor), context_(context) {}

  void Send(WorkerEvent event, std::function<void(bool written)> written) override;
  void Cancel() override;
  void End(const absl::Status& why) override;
  // Ends the stream with `status` once queued writes are done (or at once when none are);
  // `retry_after` becomes the edgectl-retry-after-ms trailer while the call is still alive.
  void Finish(const grpc::Status& status,
              std::optional<absl::Duration> retry_after = std::nullopt);

  // Remembers the registry session; false when the stream already ended (caller detaches).
  bool SetSession(uint64_t session_id);

  // Called by the reactor.
  void OnWriteDone(bool ok);
  void OnCancel();
  // Returns the session id (0 if none).
  uint64_t OnDone();

 private:
  struct Outgoing {
    v1::ServerEvent message;
    std::function<void(bool)> written;
  };
  // Marks the stream finished and returns the status to Finish with now, if Finish is due.
  bool FinishLocked(const grpc::Status& status, grpc::Status* finish_now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::list<Outgoing> DrainUnsentLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  Reactor* reactor_ ABSL_GUARDED_BY(mu_);
  grpc::CallbackServerContext* context_ ABSL_GUARDED_BY(mu_);
  // A list, not a deque: an idle worker's stream holds an empty queue for hours, and libstdc++'s
  // deque allocates ~0.6 KB even when empty (a list nothing); events are few.
  std::list<Outgoing> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;   // no more sends accepted
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status finish_status_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t session_id_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_CONNECT_STREAM_H_
