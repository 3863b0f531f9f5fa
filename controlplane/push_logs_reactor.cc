#include "controlplane/push_logs_reactor.h"

#include "absl/strings/str_cat.h"
#include "controlplane/auth/peer_credentials.h"
#include "controlplane/proto_convert.h"
#include "controlplane/request_validation.h"

namespace edgectl::controlplane {

PushLogsReactor::PushLogsReactor(grpc::CallbackServerContext* context, ServiceCollaborators c,
                                 v1::PushLogsReply* reply)
    : context_(context), c_(c), reading_(std::make_unique<v1::LogChunk>()), reply_(reply) {
  StartRead(reading_.get());
}

std::string PushLogsReactor::JobId(const v1::JobKey& k) {
  return absl::StrCat(k.dag_id().size(), ":", k.dag_id(), k.task_id().size(), ":", k.task_id(),
                      k.run_id().size(), ":", k.run_id(), "/", k.try_number(), "/",
                      k.map_index(), "/", k.task_instance_id());
}

void PushLogsReactor::OnReadDone(bool ok) {
  if (!ok) {
    EndRead(std::nullopt, /*client_done=*/true);
    return;
  }
  // read_pending_ stays set until this chunk is in the window (EndRead): until then neither a
  // store finishing nor anything else may finish the call or start another read.
  std::unique_ptr<v1::LogChunk> chunk = std::move(reading_);
  absl::Status valid = ValidateLogChunk(*chunk, c_.max_log_chunk_bytes);
  if (!identity_.has_value()) {
    const std::string worker = chunk->worker_name();
    c_.gate.AdmitStream(context_, "PushLogs", worker, valid,
                        [this, chunk = std::shared_ptr<v1::LogChunk>(std::move(chunk))](
                            CallGate::Admission admission) mutable {
                          if (Admitted(std::move(admission))) {
                            Accept(std::make_unique<v1::LogChunk>(std::move(*chunk)));
                          }
                        });
    return;
  }
  if (valid.ok()) valid = auth::AuthorizeWorker(*identity_, chunk->worker_name());
  if (!valid.ok()) {
    c_.gate.Refuse(identity_->peer, "PushLogs", chunk->worker_name(), identity_->worker_name,
                   valid);
    EndRead(Failure{ToGrpcStatus(valid), std::nullopt});
    return;
  }
  Accept(std::move(chunk));
}

bool PushLogsReactor::Admitted(CallGate::Admission admission) {
  if (!admission.identity.ok()) {
    EndRead(Failure{ToGrpcStatus(admission.identity.status()), admission.retry_after});
    return false;
  }
  identity_ = *std::move(admission.identity);
  fair_key_ = c_.gate.authenticator().FairShareKey(auth::CredentialsOf(*context_),
                                                   identity_->worker_name);
  if (!c_.limits.OpenLogStream(identity_->worker_name)) {
    absl::Status limited = absl::ResourceExhaustedError(absl::StrCat(
        "worker ", identity_->worker_name,
        " has too many PushLogs streams open; send logs over fewer streams at once"));
    c_.gate.Refuse(identity_->peer, "PushLogs", identity_->worker_name, identity_->worker_name,
                   limited);
    EndRead(Failure{ToGrpcStatus(limited), absl::Seconds(1)});
    return false;
  }
  stream_counted_ = true;
  return true;
}

void PushLogsReactor::Accept(std::unique_ptr<v1::LogChunk> chunk) {
  if (std::optional<absl::Duration> delay = c_.limits.LogDelay(identity_->worker_name)) {
    EndRead(Failure{grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 absl::StrCat("worker ", identity_->worker_name,
                                              " sends log bytes faster than this sidecar's limit "
                                              "([edge] controlplane_max_log_bytes_per_sec); "
                                              "retry after the delay it sent")),
                    *delay});
    return;
  }
  uint64_t ticket;
  {
    absl::MutexLock lock(&mu_);
    const std::string job = JobId(chunk->key());
    keys_.try_emplace(job, chunk->key());
    ticket = window_.Add(job, chunk->offset() + chunk->data().size());
  }
  std::shared_ptr<v1::LogChunk> held(std::move(chunk));
  absl::Status submitted =
      c_.executor.Submit(fair_key_, [this, held, ticket] { Store(*held, ticket); });
  if (!submitted.ok()) {
    {
      absl::MutexLock lock(&mu_);
      window_.Refused(ticket);  // never stored: not acknowledged, the worker re-sends it
    }
    EndRead(Failure{ToGrpcStatus(submitted), CallGate::RetryDelayFor(submitted)});
    return;
  }
  EndRead(std::nullopt);
}

void PushLogsReactor::Store(v1::LogChunk& proto, uint64_t ticket) {
  // `this` lives while this chunk is in flight: the call finishes only with none in flight.
  bool ending;
  {
    absl::MutexLock lock(&mu_);
    ending = failure_.has_value();
  }
  if (ending) {  // the stream is ending: store nothing more
    Settle(ticket, false, std::nullopt);
    return;
  }
  if (absl::Status owner = CheckOwner(proto.key()); !owner.ok()) {
    if (owner.code() == absl::StatusCode::kUnavailable) {
      Settle(ticket, false, Failure{ToGrpcStatus(owner), absl::Milliseconds(500)});
      return;
    }
    {
      absl::MutexLock lock(&mu_);
      // One refusal per job and stream: its later chunks are refused for the same reason.
      if (refused_jobs_.insert(JobId(proto.key())).second) {
        Refuse(proto.key(), proto.offset(), owner);
      }
    }
    Settle(ticket, false, std::nullopt);
    return;
  }
  LogChunk chunk;
  chunk.key = FromProto(proto.key());
  chunk.offset = proto.offset();
  chunk.data = std::move(*proto.mutable_data());
  chunk.chunk_time = FromProto(proto.chunk_time());
  absl::StatusOr<LogStoreResult> stored = c_.logs.Store(std::move(chunk));
  if (!stored.ok()) {
    if (stored.status().code() == absl::StatusCode::kInvalidArgument) {
      {
        absl::MutexLock lock(&mu_);
        Refuse(proto.key(), proto.offset(), stored.status());
      }
      Settle(ticket, false, std::nullopt);
      return;
    }
    Settle(ticket, false,
           Failure{ToGrpcStatus(stored.status()),
                   stored.status().code() == absl::StatusCode::kUnavailable
                       ? std::optional<absl::Duration>(absl::Milliseconds(500))
                       : std::nullopt});
    return;
  }
  c_.limits.ChargeLogBytes(identity_->worker_name, stored->new_bytes);
  Settle(ticket, true, std::nullopt);
}

absl::Status PushLogsReactor::CheckOwner(const v1::JobKey& key) {
  const std::string id = JobId(key);
  {
    absl::MutexLock lock(&mu_);
    auto it = owner_checked_.find(id);
    if (it != owner_checked_.end()) return it->second;
  }
  // Concurrent first chunks of one job may both ask; the answers agree.
  const bridge::JobKey k = FromProto(key);
  absl::StatusOr<std::optional<JobRow>> job = c_.store.GetJob(k);
  if (!job.ok()) return job.status();  // not cached: the next chunk asks again
  absl::Status verdict;
  if (!job->has_value()) {
    verdict = absl::FailedPreconditionError(absl::StrCat(
        "job ", DescribeJob(k), " is no longer in edge_job (Airflow purged or revoked it); its "
        "log cannot be stored"));
  } else if ((*job)->edge_worker != identity_->worker_name) {
    verdict = absl::PermissionDeniedError(absl::StrCat(
        "job ", DescribeJob(k), " is not held by worker ", identity_->worker_name,
        "; a worker may push only its own jobs' logs"));
  }
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = owner_checked_.try_emplace(id, verdict);
  if (inserted && verdict.code() == absl::StatusCode::kPermissionDenied) {
    c_.gate.Refuse(identity_->peer, "PushLogs", identity_->worker_name, identity_->worker_name,
                   verdict);
  }
  return it->second;
}

void PushLogsReactor::Refuse(const v1::JobKey& key, uint64_t offset, const absl::Status& why) {
  v1::LogRefusal* r = reply_->add_refused();
  *r->mutable_key() = key;
  r->set_offset(offset);
  r->set_code(static_cast<int>(why.code()));
  r->set_message(std::string(why.message()));
}

void PushLogsReactor::EndRead(std::optional<Failure> failure, bool client_done) {
  Action action;
  {
    absl::MutexLock lock(&mu_);
    read_pending_ = false;
    if (client_done) reads_done_ = true;
    if (failure.has_value() && !failure_.has_value()) failure_ = std::move(failure);
    action = NextActionLocked();
  }
  Do(std::move(action));
}

void PushLogsReactor::Settle(uint64_t ticket, bool stored, std::optional<Failure> failure) {
  Action action;
  {
    absl::MutexLock lock(&mu_);
    if (stored) {
      window_.Stored(ticket);
    } else {
      window_.Refused(ticket);
    }
    if (failure.has_value() && !failure_.has_value()) failure_ = std::move(failure);
    action = NextActionLocked();
  }
  Do(std::move(action));
}

PushLogsReactor::Action PushLogsReactor::NextActionLocked() {
  Action action;
  if (finished_ || read_pending_) return action;
  if (!failure_.has_value() && !reads_done_) {
    if (window_.in_flight() < kWindowChunks) {
      read_pending_ = true;
      action.next = Action::kRead;
    }
    return action;
  }
  if (window_.in_flight() > 0) return action;  // the stores in flight finish first
  finished_ = true;
  action.next = Action::kFinish;
  if (failure_.has_value()) {
    action.status = failure_->status;
    action.retry_after = failure_->retry_after;
    return action;
  }
  for (const auto& [job, key] : keys_) {
    if (std::optional<uint64_t> until = window_.StoredUntil(job)) {
      v1::LogOffset* o = reply_->add_stored();
      *o->mutable_key() = key;
      o->set_offset(*until);
    }
  }
  return action;
}

void PushLogsReactor::Do(Action action) {
  // Only the thread that decided may act, and after Finish nothing touches `this`.
  if (action.next == Action::kRead) {
    reading_ = std::make_unique<v1::LogChunk>();
    StartRead(reading_.get());
  } else if (action.next == Action::kFinish) {
    if (action.retry_after) CallGate::AddRetryAfter(context_, *action.retry_after);
    Finish(action.status);
  }
}

void PushLogsReactor::OnDone() {
  if (stream_counted_) c_.limits.CloseLogStream(identity_->worker_name);
  delete this;
}

}  // namespace edgectl::controlplane
