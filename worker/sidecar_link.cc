#include "worker/sidecar_link.h"

#include "spdlog/spdlog.h"
#include "worker/retry_after.h"

namespace edgectl::worker {
namespace {

// Without a welcome in this time, a stream counts as failed and is retried.
constexpr absl::Duration kWelcomeTimeout = absl::Seconds(15);

}  // namespace

SidecarLink::SidecarLink(SidecarClient* client, Clock* clock, RandomSource* random,
                         WakePipe* wake)
    : client_(client),
      clock_(clock),
      wake_(wake),
      backoff_(absl::Milliseconds(250), absl::Seconds(30), random) {}

bool SidecarLink::ConnectDue() const {
  return state_ == State::kDisconnected && clock_->Now() >= next_connect_at_;
}

void SidecarLink::StartConnect(const v1::ConnectRequest& request) {
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation = ++generation_;
    received_ = Received();
  }
  state_ = State::kConnecting;
  connect_started_at_ = clock_->Now();
  client_->Connect(
      request,
      [this, generation](const v1::ServerEvent& event) {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          if (generation != generation_) return;
          received_.events.push_back(event);
        }
        wake_->Wake();
      },
      [this, generation](const absl::Status& status) {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          if (generation != generation_) return;
          received_.end = status;
        }
        wake_->Wake();
      });
}

void SidecarLink::OnWelcome() {
  state_ = State::kConnected;
  backoff_.Reset();
}

SidecarLink::Received SidecarLink::Take() {
  Received out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::swap(out, received_);
  }
  if (state_ == State::kConnecting && !out.end.has_value() &&
      clock_->Now() - connect_started_at_ > kWelcomeTimeout) {
    out.end = absl::UnavailableError("no welcome from the sidecar");
  }
  return out;
}

void SidecarLink::MarkDisconnected(const absl::Status& status, const std::string& address) {
  if (status.code() == absl::StatusCode::kNotFound) need_register_ = true;
  if (state_ == State::kDisconnected) return;
  // The sidecar may ask for a longer pause (it is admitting many workers, or this one is over
  // a limit): honour it, plus the backoff's own jitter.
  const absl::Duration delay =
      backoff_.NextDelay() + RetryAfterOf(status).value_or(absl::ZeroDuration());
  {
    spdlog::warn("Lost the sidecar at {} ({}); reconnecting in {}", address, status.ToString(),
                 absl::FormatDuration(delay));
  }
  state_ = State::kDisconnected;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++generation_;  // late callbacks of the old stream are ignored
    received_ = Received();
  }
  client_->Disconnect();
  next_connect_at_ = clock_->Now() + delay;
}

void SidecarLink::RetryLater() { next_connect_at_ = clock_->Now() + backoff_.NextDelay(); }

}  // namespace edgectl::worker
