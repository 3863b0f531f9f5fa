#include "controlplane/execution_relay/relay_reactor.h"

#include "absl/strings/str_cat.h"
#include "controlplane/auth/peer_credentials.h"
#include "controlplane/proto_convert.h"
#include "controlplane/request_validation.h"
#include "proto/execution_relay_rules.h"

namespace edgectl::controlplane {

absl::Status ValidateRelayRequest(const v1::ExecutionApiRequest& r, size_t max_body_bytes) {
  constexpr size_t kMaxTarget = 8192, kMaxHeaders = 100, kMaxHeaderBytes = 16384;
  if (!r.worker_name().empty()) {
    if (absl::Status s = ValidateWorkerName(r.worker_name()); !s.ok()) return s;
  }
  if (r.method().empty() || r.method().size() > 16) {
    return absl::InvalidArgumentError("a relayed request needs an HTTP method (at most 16 bytes)");
  }
  if (r.path().size() > kMaxTarget || r.query().size() > kMaxTarget) {
    return absl::InvalidArgumentError(
        absl::StrCat("a relayed request's path and query may have at most ", kMaxTarget,
                     " bytes each"));
  }
  if (static_cast<size_t>(r.headers_size()) > kMaxHeaders) {
    return absl::InvalidArgumentError(
        absl::StrCat("a relayed request may carry at most ", kMaxHeaders, " headers"));
  }
  for (const v1::HttpHeader& h : r.headers()) {
    if (h.name().size() + h.value().size() > kMaxHeaderBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a relayed request's header may have at most ", kMaxHeaderBytes, " bytes"));
    }
  }
  if (r.body().size() > max_body_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("a relayed request's body may have at most ",
                                                   max_body_bytes, " bytes"));
  }
  return absl::OkStatus();
}

RelayReactor::RelayReactor(grpc::CallbackServerContext* context, CallGate& gate,
                           ExecutionRelayService* relay)
    : context_(context), gate_(gate), relay_(relay), outbox_(std::make_shared<Outbox>()) {
  absl::MutexLock lock(&outbox_->mu);
  outbox_->reactor = this;
  if (relay_ == nullptr) {
    FinishLocked(*outbox_, grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                        "this sidecar does not relay the Execution API "
                                        "([edge] controlplane_execution_api_relay = False); "
                                        "give tasks [core] execution_api_server_url instead"));
    return;
  }
  StartRead(&request_);
}

void RelayReactor::OnReadDone(bool ok) {
  if (!ok) {
    absl::MutexLock lock(&outbox_->mu);
    outbox_->reads_done = true;
    Pump(*outbox_);
    return;
  }
  if (!identity_.has_value()) {
    // Until OnAdmitted runs nothing else is outstanding, so `this` stays alive.
    gate_.AdmitStream(context_, "RelayExecutionApi", request_.worker_name(),
                      ValidateRelayRequest(request_, v1::kMaxRelayBodyBytes),
                      [this](CallGate::Admission admission) { OnAdmitted(std::move(admission)); });
    return;
  }
  Handle();
}

void RelayReactor::OnAdmitted(CallGate::Admission admission) {
  if (!admission.identity.ok()) {
    if (admission.retry_after.has_value()) CallGate::AddRetryAfter(context_, *admission.retry_after);
    absl::MutexLock lock(&outbox_->mu);
    FinishLocked(*outbox_, ToGrpcStatus(admission.identity.status()));
    return;
  }
  identity_ = *std::move(admission.identity);
  fair_key_ = gate_.authenticator().FairShareKey(auth::CredentialsOf(*context_),
                                                 identity_->worker_name);
  Handle();
}

void RelayReactor::Handle() {
  // Once a forward is submitted its answer may end the stream (a failed write) and gRPC may
  // delete this reactor: from then on only locals and the Outbox are used.
  std::shared_ptr<Outbox> outbox = outbox_;
  auto request = std::make_shared<v1::ExecutionApiRequest>(std::move(request_));
  request_ = v1::ExecutionApiRequest();
  absl::Status valid = ValidateRelayRequest(*request, v1::kMaxRelayBodyBytes);
  if (valid.ok() && !request->worker_name().empty()) {
    valid = auth::AuthorizeWorker(*identity_, request->worker_name());
    if (!valid.ok()) {
      // Another worker's name mid-stream: as on every other RPC, the call ends.
      gate_.Refuse(identity_->peer, "RelayExecutionApi", request->worker_name(),
                   identity_->worker_name, valid);
      absl::MutexLock lock(&outbox->mu);
      FinishLocked(*outbox, ToGrpcStatus(valid));
      return;
    }
  }
  bool admitted = false;
  {
    absl::MutexLock lock(&outbox->mu);
    if (outbox->finished) return;
    admitted = valid.ok() && outbox->in_flight < relay_->max_in_flight_per_stream();
    ++outbox->in_flight;
  }
  if (!valid.ok()) {
    v1::ExecutionApiResponse bad = v1::RelayDetailResponse(400, std::string(valid.message()));
    bad.set_request_id(request->request_id());
    Deliver(outbox, std::move(bad));
  } else if (!admitted) {
    Deliver(outbox, RelayBusyResponse(request->request_id(),
                                      absl::StrCat("worker ", identity_->worker_name, " has ",
                                                   relay_->max_in_flight_per_stream(),
                                                   " requests in flight on this stream")));
  } else {
    relay_->Submit(fair_key_, request, [outbox](v1::ExecutionApiResponse response) {
      Deliver(outbox, std::move(response));
    });
  }
  // Keep reading while forwards run: answers go out as they complete, in any order. Not
  // finished under the lock means OnDone has not run, so the reactor is alive.
  absl::MutexLock lock(&outbox->mu);
  if (!outbox->finished) outbox->reactor->StartRead(&outbox->reactor->request_);
}

void RelayReactor::Deliver(const std::shared_ptr<Outbox>& outbox,
                           v1::ExecutionApiResponse response) {
  absl::MutexLock lock(&outbox->mu);
  --outbox->in_flight;
  if (outbox->finished) return;  // the stream ended; the worker fails this request itself
  outbox->queue.push_back(std::move(response));
  Pump(*outbox);
}

void RelayReactor::Pump(Outbox& outbox) {
  if (outbox.finished || outbox.writing) return;
  if (!outbox.queue.empty()) {
    outbox.writing = true;
    outbox.reactor->StartWrite(&outbox.queue.front());
    return;
  }
  if (outbox.reads_done && outbox.in_flight == 0) FinishLocked(outbox, grpc::Status::OK);
}

void RelayReactor::FinishLocked(Outbox& outbox, const grpc::Status& status) {
  if (outbox.finished) return;
  outbox.finished = true;
  if (outbox.writing) {
    outbox.finish_after_write = status;  // OnWriteDone finishes
    return;
  }
  outbox.reactor->Finish(status);
}

void RelayReactor::OnWriteDone(bool ok) {
  absl::MutexLock lock(&outbox_->mu);
  outbox_->writing = false;
  outbox_->queue.pop_front();
  if (outbox_->finish_after_write.has_value()) {
    Finish(*outbox_->finish_after_write);
    return;
  }
  if (!ok) {
    FinishLocked(*outbox_, grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                        "the relay stream broke while answering"));
    return;
  }
  Pump(*outbox_);
}

void RelayReactor::OnDone() {
  {
    absl::MutexLock lock(&outbox_->mu);
    outbox_->reactor = nullptr;
    outbox_->queue.clear();
  }
  delete this;
}

}  // namespace edgectl::controlplane
