#include "worker/execution_relay/relay_client.h"

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"

namespace edgectl::worker {

struct ExecutionApiRelayClient::Pending {
  Link* link = nullptr;  // the stream the request went out on
  absl::Notification done;
  absl::StatusOr<v1::ExecutionApiResponse> result = absl::UnknownError("no answer");
};

struct ExecutionApiRelayClient::Link {
  std::unique_ptr<RelayStream> stream;
  absl::Mutex write_mu;  // gRPC allows one outstanding write per stream
  bool ended = false;    // guarded by the client's mu_
};

ExecutionApiRelayClient::ExecutionApiRelayClient(RelayStreamFactory& factory,
                                                 RelayClientOptions options)
    : factory_(factory), options_(std::move(options)) {}

void ExecutionApiRelayClient::Shutdown() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  if (link_ != nullptr) link_->stream->Cancel();
}

ExecutionApiRelayClient::~ExecutionApiRelayClient() {
  Shutdown();
  absl::MutexLock lock(&mu_);
  auto readers_done = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return readers_ == 0; };
  mu_.Await(absl::Condition(&readers_done));
}

std::shared_ptr<ExecutionApiRelayClient::Link> ExecutionApiRelayClient::CurrentLink() {
  if (link_ != nullptr && !link_->ended) return link_;
  auto link = std::make_shared<Link>();
  link->stream = factory_.OpenRelayStream();
  link_ = link;
  ++readers_;
  // Detached: the reader ends when the stream does, and the destructor waits for readers_ == 0.
  std::thread([this, link] { ReadResponses(link); }).detach();
  return link;
}

void ExecutionApiRelayClient::ReadResponses(std::shared_ptr<Link> link) {
  v1::ExecutionApiResponse response;
  while (link->stream->Read(&response)) {
    absl::MutexLock lock(&mu_);
    auto it = pending_.find(response.request_id());
    if (it == pending_.end()) continue;  // its caller timed out and left
    it->second->result = std::move(response);
    it->second->done.Notify();
    pending_.erase(it);
    response = v1::ExecutionApiResponse();
  }
  absl::Status ended = link->stream->Finish();
  if (ended.ok()) ended = absl::UnavailableError("the sidecar closed the relay stream");
  absl::MutexLock lock(&mu_);
  link->ended = true;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second->link != link.get()) {
      ++it;
      continue;
    }
    it->second->result = ended;
    it->second->done.Notify();
    it = pending_.erase(it);
  }
  --readers_;
}

absl::StatusOr<v1::ExecutionApiResponse> ExecutionApiRelayClient::Call(
    v1::ExecutionApiRequest request) {
  const absl::Time deadline = absl::Now() + options_.request_timeout;
  auto pending = std::make_shared<Pending>();
  std::shared_ptr<Link> link;
  {
    absl::MutexLock lock(&mu_);
    auto slot_free = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return in_flight_ < options_.max_in_flight || stopping_;
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&slot_free), deadline)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "this worker already relays ", options_.max_in_flight,
          " Execution API requests and none finished in time"));
    }
    if (stopping_) return absl::UnavailableError("the worker is stopping");
    ++in_flight_;
    link = CurrentLink();
    request.set_request_id(++next_id_);
    request.set_worker_name(options_.worker_name);
    pending->link = link.get();
    pending_[request.request_id()] = pending;
  }
  bool written;
  {
    absl::MutexLock write_lock(&link->write_mu);
    written = link->stream->Write(request);
  }
  // A failed write ends the stream: the reader then answers this request with the reason.
  const bool answered = pending->done.WaitForNotificationWithDeadline(deadline);
  absl::MutexLock lock(&mu_);
  --in_flight_;
  if (!answered) {
    pending_.erase(request.request_id());
    if (!written) return absl::UnavailableError("the relay stream to the sidecar broke");
    return absl::DeadlineExceededError(absl::StrCat(
        "the sidecar did not answer within ", absl::FormatDuration(options_.request_timeout)));
  }
  return pending->result;
}

}  // namespace edgectl::worker
