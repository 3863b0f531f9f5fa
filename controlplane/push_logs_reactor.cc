#include "controlplane/push_logs_reactor.h"

#include "absl/strings/str_cat.h"
#include "controlplane/auth/peer_credentials.h"
#include "controlplane/proto_convert.h"
#include "controlplane/request_validation.h"

namespace edgectl::controlplane {

PushLogsReactor::PushLogsReactor(grpc::CallbackServerContext* context, ServiceCollaborators c,
                                 v1::PushLogsReply* reply)
    : context_(context), c_(c), reply_(reply) {
  StartRead(&chunk_);
}

PushLogsReactor::Id PushLogsReactor::IdOf(const v1::JobKey& k) {
  return {k.dag_id(), k.task_id(), k.run_id(), k.try_number(), k.map_index(),
          k.task_instance_id()};
}

void PushLogsReactor::OnReadDone(bool ok) {
  if (!ok) {
    FinishWith(grpc::Status::OK);
    return;
  }
  absl::Status valid = ValidateLogChunk(chunk_, c_.max_log_chunk_bytes);
  if (!identity_.has_value()) {
    // Until OnAdmitted runs nothing else is outstanding, so `this` stays alive.
    c_.gate.AdmitStream(context_, "PushLogs", chunk_.worker_name(), valid,
                        [this](CallGate::Admission admission) { OnAdmitted(std::move(admission)); });
    return;
  }
  if (valid.ok()) valid = auth::AuthorizeWorker(*identity_, chunk_.worker_name());
  if (!valid.ok()) {
    c_.gate.Refuse(identity_->peer, "PushLogs", chunk_.worker_name(), identity_->worker_name,
                   valid);
    FinishWith(ToGrpcStatus(valid));
    return;
  }
  StoreCurrent();
}

void PushLogsReactor::OnAdmitted(CallGate::Admission admission) {
  if (!admission.identity.ok()) {
    FinishWith(ToGrpcStatus(admission.identity.status()), admission.retry_after);
    return;
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
    FinishWith(ToGrpcStatus(limited), absl::Seconds(1));
    return;
  }
  stream_counted_ = true;
  StoreCurrent();
}

void PushLogsReactor::StoreCurrent() {
  if (std::optional<absl::Duration> delay = c_.limits.LogDelay(identity_->worker_name)) {
    FinishWith(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                            absl::StrCat("worker ", identity_->worker_name,
                                         " sends log bytes faster than this sidecar's limit "
                                         "([edge] controlplane_max_log_bytes_per_sec); "
                                         "retry after the delay it sent")),
               *delay);
    return;
  }
  absl::Status submitted = c_.executor.Submit(fair_key_, [this] {
    if (absl::Status owner = CheckOwner(chunk_.key()); !owner.ok()) {
      if (owner.code() == absl::StatusCode::kUnavailable) {
        FinishWith(ToGrpcStatus(owner), absl::Milliseconds(500));
        return;
      }
      // One refusal per job and stream: its later chunks are refused for the same reason.
      if (refused_jobs_.insert(IdOf(chunk_.key())).second) {
        Refuse(chunk_.key(), chunk_.offset(), owner);
      }
      StartRead(&chunk_);
      return;
    }
    LogChunk chunk;
    chunk.key = FromProto(chunk_.key());
    chunk.offset = chunk_.offset();
    chunk.data = std::move(*chunk_.mutable_data());
    chunk.chunk_time = FromProto(chunk_.chunk_time());
    absl::StatusOr<LogStoreResult> stored = c_.logs.Store(chunk);
    if (!stored.ok()) {
      if (stored.status().code() == absl::StatusCode::kInvalidArgument) {
        Refuse(chunk_.key(), chunk.offset, stored.status());
        StartRead(&chunk_);
        return;
      }
      FinishWith(ToGrpcStatus(stored.status()),
                 stored.status().code() == absl::StatusCode::kUnavailable
                     ? std::optional<absl::Duration>(absl::Milliseconds(500))
                     : std::nullopt);
      return;
    }
    c_.limits.ChargeLogBytes(identity_->worker_name, stored->new_bytes);
    Record(chunk_.key(), stored->stored_until);
    StartRead(&chunk_);
  });
  if (!submitted.ok()) FinishWith(ToGrpcStatus(submitted), CallGate::RetryDelayFor(submitted));
}

absl::Status PushLogsReactor::CheckOwner(const v1::JobKey& key) {
  const Id id = IdOf(key);
  auto it = owner_checked_.find(id);
  if (it != owner_checked_.end()) return it->second;
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
    c_.gate.Refuse(identity_->peer, "PushLogs", identity_->worker_name, identity_->worker_name,
                   verdict);
  }
  owner_checked_[id] = verdict;
  return verdict;
}

void PushLogsReactor::Refuse(const v1::JobKey& key, uint64_t offset, const absl::Status& why) {
  v1::LogRefusal* r = reply_->add_refused();
  *r->mutable_key() = key;
  r->set_offset(offset);
  r->set_code(static_cast<int>(why.code()));
  r->set_message(std::string(why.message()));
}

void PushLogsReactor::Record(const v1::JobKey& k, uint64_t offset) {
  auto [it, inserted] = stored_.try_emplace(IdOf(k), k, offset);
  if (!inserted) it->second.second = std::max(it->second.second, offset);
}

void PushLogsReactor::FinishWith(const grpc::Status& status,
                                 std::optional<absl::Duration> retry_after) {
  if (status.ok()) {
    for (const auto& entry : stored_) {
      v1::LogOffset* o = reply_->add_stored();
      *o->mutable_key() = entry.second.first;
      o->set_offset(entry.second.second);
    }
  }
  if (retry_after) CallGate::AddRetryAfter(context_, *retry_after);
  Finish(status);
}

void PushLogsReactor::OnDone() {
  if (stream_counted_) c_.limits.CloseLogStream(identity_->worker_name);
  delete this;
}

}  // namespace edgectl::controlplane
