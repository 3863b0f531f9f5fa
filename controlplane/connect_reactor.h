// File: controlplane/connect_reactor.h
//
// Connect: admitted through the CallGate (per-caller queue, authentication, name binding) and a
// per-worker connect-rate limit, then (on the executor) reads the worker's row, sends the
// welcome and attaches the session to the WorkerRegistry with how it authenticated. Deletes
// itself when gRPC is done with the call.
#ifndef EDGECTL_CONTROLPLANE_CONNECT_REACTOR_H_
#define EDGECTL_CONTROLPLANE_CONNECT_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "controlplane/auth/authenticator.h"
#include "controlplane/connect_stream.h"
#include "controlplane/service_collaborators.h"
#include "proto/edge_worker.pb.h"

namespace edgectl::controlplane {

class ConnectReactor final : public grpc::ServerWriteReactor<v1::ServerEvent> {
 public:
  ConnectReactor(grpc::CallbackServerContext* context, const v1::ConnectRequest& request,
                 ServiceCollaborators c);

  void OnWriteDone(bool ok) override { stream_->OnWriteDone(ok); }
  void OnCancel() override { stream_->OnCancel(); }
  void OnDone() override;

 private:
  static void Attach(ServiceCollaborators c, const auth::Identity& who,
                     const std::shared_ptr<ConnectStream>& stream,
                     const std::vector<bridge::JobKey>& running, int free,
                     std::optional<std::vector<std::string>> queues, uint64_t order);

  static inline std::atomic<uint64_t> next_connect_order_{1};

  ServiceCollaborators c_;
  const std::string name_;
  std::shared_ptr<ConnectStream> stream_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_CONNECT_REACTOR_H_
