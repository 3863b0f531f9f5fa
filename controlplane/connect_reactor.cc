#include "controlplane/connect_reactor.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "controlplane/proto_convert.h"
#include "controlplane/request_validation.h"

namespace edgectl::controlplane {

ConnectReactor::ConnectReactor(grpc::CallbackServerContext* context,
                               const v1::ConnectRequest& request, ServiceCollaborators c)
    : c_(c), name_(request.worker_name()),
      stream_(std::make_shared<ConnectStream>(this, context)) {
  std::vector<bridge::JobKey> running;
  for (const v1::JobKey& k : request.running_jobs()) running.push_back(FromProto(k));
  const int free = request.free_concurrency();
  std::optional<std::vector<std::string>> queues =
      FromProto(request.has_queues() ? &request.queues() : nullptr);
  const uint64_t order = next_connect_order_.fetch_add(1);
  // Only the shared stream is captured: this reactor may be gone before the executor runs.
  c_.gate.AdmitStream(
      context, "Connect", name_, ValidateConnect(request),
      [c = c_, stream = stream_, running, free, queues, order](CallGate::Admission admitted) {
        if (!admitted.identity.ok()) {
          stream->Finish(ToGrpcStatus(admitted.identity.status()), admitted.retry_after);
          return;
        }
        const auth::Identity& who = *admitted.identity;
        if (std::optional<absl::Duration> delay = c.limits.AdmitConnect(who.worker_name)) {
          absl::Status limited = absl::ResourceExhaustedError(absl::StrCat(
              "worker ", who.worker_name, " opened too many Connect streams in the last minute; "
              "retry after the delay the sidecar sent"));
          c.gate.Refuse(who.peer, "Connect", who.worker_name, who.worker_name, limited);
          stream->Finish(ToGrpcStatus(limited), *delay);
          return;
        }
        Attach(c, who, stream, running, free, queues, order);
      },
      /*admission_limited=*/true);
}

void ConnectReactor::OnDone() {
  const uint64_t session = stream_->OnDone();
  if (session != 0) c_.registry.Detach(name_, session);
  delete this;
}

void ConnectReactor::Attach(ServiceCollaborators c, const auth::Identity& who,
                            const std::shared_ptr<ConnectStream>& stream,
                            const std::vector<bridge::JobKey>& running, int free,
                            std::optional<std::vector<std::string>> queues, uint64_t order) {
  (void)queues;  // the row's queues are the centre's view and win
  const std::string& name = who.worker_name;
  absl::StatusOr<std::optional<WorkerRow>> row = c.store.GetWorker(name);
  if (!row.ok()) {
    stream->Finish(ToGrpcStatus(row.status()), CallGate::RetryDelayFor(row.status()));
    return;
  }
  if (!row->has_value()) {
    stream->Finish(grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        absl::StrCat("worker ", name, " is not registered; call Register first")));
    return;
  }
  const WorkerView view = ViewOfRow(**row, c.heartbeat_interval_seconds);
  WorkerEvent welcome;
  welcome.kind = WorkerEvent::Kind::kWelcome;
  welcome.view = view;
  stream->Send(std::move(welcome), [](bool) {});
  // Jobs the worker says it runs are acknowledged, even if the ack itself was lost.
  for (const bridge::JobKey& key : running) c.ledger.Acknowledge(name, 0, key);
  SessionInfo info{auth::AuthMethodName(who.method), who.token_sha256, who.peer, absl::Now()};
  const uint64_t session = c.registry.Attach(name, order, free, (*row)->queues, (*row)->state,
                                             stream, std::move(info));
  if (session == 0) {
    stream->Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                                "superseded by a newer Connect of the same worker"));
    return;
  }
  // After Attach: a token revocation the watcher handled just before is then re-checked against
  // this session (WorkerStateWatcher's header).
  c.watcher.Observe(name, view.state);
  if (!stream->SetSession(session)) {
    c.registry.Detach(name, session);
    return;
  }
  spdlog::info("worker {} connected ({} free slots, {} from {})", name, free,
               auth::AuthMethodName(who.method), who.peer);
  c.dispatcher.Wake();
}

}  // namespace edgectl::controlplane
