// File: controlplane/execution_relay/relay_reactor.h
//
// RelayExecutionApi (edge_worker.proto): the first request admits the stream through the
// CallGate (authentication, name binding); every later one must name the same worker or none.
// Each request is forwarded on the relay's threads (ExecutionRelayService) while the stream
// keeps reading, so one stream carries many requests at once; answers are written back as they
// complete, one write at a time. A request that breaks a limit gets an HTTP answer (400, 503),
// not the end of the stream. The stream ends OK when the worker has half-closed it and every
// answer is written, or when it is cancelled; answers completing after that are dropped (the
// worker's client fails those requests with UNAVAILABLE). Deletes itself in OnDone; in-flight
// forwards hold only the shared Outbox, never the reactor.
#ifndef EDGECTL_CONTROLPLANE_EXECUTION_RELAY_RELAY_REACTOR_H_
#define EDGECTL_CONTROLPLANE_EXECUTION_RELAY_RELAY_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "controlplane/auth/authenticator.h"
#include "controlplane/call_gate.h"
#include "controlplane/execution_relay/relay_service.h"
#include "proto/edge_worker.pb.h"

namespace edgectl::controlplane {

class RelayReactor final
    : public grpc::ServerBidiReactor<v1::ExecutionApiRequest, v1::ExecutionApiResponse> {
 public:
  // `relay` nullptr: this sidecar does not relay; the stream ends UNIMPLEMENTED at once.
  RelayReactor(grpc::CallbackServerContext* context, CallGate& gate,
               ExecutionRelayService* relay);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone() override;

 private:
  // What outlives the reactor's knowledge of a request: answers of forwards still running.
  struct Outbox {
    absl::Mutex mu;
    RelayReactor* reactor ABSL_GUARDED_BY(mu);
    std::deque<v1::ExecutionApiResponse> queue ABSL_GUARDED_BY(mu);
    bool writing ABSL_GUARDED_BY(mu) = false;
    bool reads_done ABSL_GUARDED_BY(mu) = false;
    bool finished ABSL_GUARDED_BY(mu) = false;              // Finish() called (or due)
    std::optional<grpc::Status> finish_after_write ABSL_GUARDED_BY(mu);
    size_t in_flight ABSL_GUARDED_BY(mu) = 0;
  };
  static void Deliver(const std::shared_ptr<Outbox>& outbox, v1::ExecutionApiResponse response);
  // Writes the next answer, or finishes the stream once nothing is left to do.
  static void Pump(Outbox& outbox) ABSL_EXCLUSIVE_LOCKS_REQUIRED(outbox.mu);
  static void FinishLocked(Outbox& outbox, const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(outbox.mu);

  void OnAdmitted(CallGate::Admission admission);
  void Handle();

  grpc::CallbackServerContext* context_;
  CallGate& gate_;
  ExecutionRelayService* relay_;
  v1::ExecutionApiRequest request_;
  std::optional<auth::Identity> identity_;
  std::string fair_key_;
  std::shared_ptr<Outbox> outbox_;
};

// Cheap checks of a relayed request before any work (sizes of every field).
absl::Status ValidateRelayRequest(const v1::ExecutionApiRequest& request, size_t max_body_bytes);

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_EXECUTION_RELAY_RELAY_REACTOR_H_
