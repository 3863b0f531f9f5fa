#include "controlplane/connect_stream.h"

#include "controlplane/call_gate.h"
#include "controlplane/proto_convert.h"

namespace edgectl::controlplane {

void ConnectStream::Send(WorkerEvent event, std::function<void(bool written)> written) {
  Outgoing out;
  ToProto(event, &out.message);
  out.written = written;
  Reactor* start_on = nullptr;
  const v1::ServerEvent* message = nullptr;
  bool rejected = false;
  {
    absl::MutexLock lock(&mu_);
    if (finishing_ || done_) {
      rejected = true;
    } else {
      queue_.push_back(std::move(out));
      if (!writing_) {
        writing_ = true;
        start_on = reactor_;
        message = &queue_.front().message;  // a list keeps element addresses
      }
    }
  }
  if (rejected) written(false);
  if (start_on) start_on->StartWrite(message);
}

void ConnectStream::Cancel() {
  grpc::CallbackServerContext* cancel = nullptr;
  grpc::Status finish_now;
  Reactor* finish_on = nullptr;
  std::list<Outgoing> unsent;
  {
    absl::MutexLock lock(&mu_);
    if (finishing_ || done_) return;
    unsent = DrainUnsentLocked();
    if (writing_) {
      cancel = context_;  // the outstanding write fails, OnWriteDone finishes
      finishing_ = true;
      finish_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "stream replaced or closed");
    } else if (FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED,
                                         "replaced by a newer Connect or shutting down"),
                            &finish_now)) {
      finish_on = reactor_;
    }
  }
  for (Outgoing& o : unsent) o.written(false);
  if (cancel) cancel->TryCancel();
  if (finish_on) finish_on->Finish(finish_now);
}

void ConnectStream::End(const absl::Status& why) { Finish(ToGrpcStatus(why)); }

void ConnectStream::Finish(const grpc::Status& status, std::optional<absl::Duration> retry_after) {
  grpc::Status finish_now;
  Reactor* finish_on = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (finishing_ || done_) return;
    if (retry_after.has_value() && context_ != nullptr) {
      CallGate::AddRetryAfter(context_, *retry_after);
    }
    if (writing_) {
      finishing_ = true;
      finish_status_ = status;
    } else if (FinishLocked(status, &finish_now)) {
      finish_on = reactor_;
    }
  }
  if (finish_on) finish_on->Finish(finish_now);
}

bool ConnectStream::SetSession(uint64_t session_id) {
  absl::MutexLock lock(&mu_);
  if (finishing_ || done_) return false;
  session_id_ = session_id;
  return true;
}

bool ConnectStream::FinishLocked(const grpc::Status& status, grpc::Status* finish_now) {
  finishing_ = true;
  if (finish_called_ || done_) return false;
  finish_called_ = true;
  *finish_now = status;
  return true;
}

std::list<ConnectStream::Outgoing> ConnectStream::DrainUnsentLocked() {
  std::list<Outgoing> unsent;
  // The front element is being written while writing_; its callback comes from OnWriteDone.
  const size_t keep = writing_ ? 1 : 0;
  while (queue_.size() > keep) {
    unsent.push_front(std::move(queue_.back()));
    queue_.pop_back();
  }
  return unsent;
}

void ConnectStream::OnWriteDone(bool ok) {
  std::function<void(bool)> written;
  std::list<Outgoing> unsent;
  Reactor* start_on = nullptr;
  const v1::ServerEvent* message = nullptr;
  Reactor* finish_on = nullptr;
  grpc::Status finish_now;
  {
    absl::MutexLock lock(&mu_);
    written = std::move(queue_.front().written);
    queue_.pop_front();
    writing_ = false;
    if (!ok && !finishing_) {
      finishing_ = true;
      finish_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "stream broken");
    }
    if (finishing_) {
      unsent = DrainUnsentLocked();
      if (!finish_called_) {
        finish_called_ = true;
        finish_now = finish_status_;
        finish_on = reactor_;
      }
    } else if (!queue_.empty()) {
      writing_ = true;
      start_on = reactor_;
      message = &queue_.front().message;
    }
  }
  if (written) written(ok);
  for (Outgoing& o : unsent) o.written(false);
  if (start_on) start_on->StartWrite(message);
  if (finish_on) finish_on->Finish(finish_now);
}

void ConnectStream::OnCancel() { Cancel(); }

uint64_t ConnectStream::OnDone() {
  std::list<Outgoing> unsent;
  uint64_t session;
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
    finishing_ = true;
    reactor_ = nullptr;
    context_ = nullptr;
    unsent = std::move(queue_);
    queue_.clear();
    session = session_id_;
  }
  for (Outgoing& o : unsent) {
    if (o.written) o.written(false);
  }
  return session;
}

}  // namespace edgectl::controlplane
