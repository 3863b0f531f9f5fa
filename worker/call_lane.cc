#include "worker/call_lane.h"

#include "worker/retry_after.h"

namespace edgectl::worker {

CallLane::CallLane(std::string name, Clock* clock, RandomSource* random, WakePipe* wake)
    : name_(std::move(name)),
      clock_(clock),
      wake_(wake),
      backoff_(absl::Milliseconds(250), absl::Seconds(30), random),
      thread_([this] { Run(); }) {}

CallLane::~CallLane() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool CallLane::Ready() const { return !busy_ && clock_->Now() >= not_before_; }

void CallLane::Submit(Call call) {
  busy_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    call_ = std::move(call);
  }
  cv_.notify_all();
}

void CallLane::RunCompletion() {
  Completion completion;
  {
    std::lock_guard<std::mutex> lock(mu_);
    completion.swap(completion_);
  }
  if (!completion) return;
  busy_ = false;
  completion();
}

absl::Duration CallLane::Failed(const absl::Status& status) {
  const std::optional<absl::Duration> retry_after = RetryAfterOf(status);
  sidecar_asked_to_wait_ = retry_after.has_value();
  const absl::Duration delay =
      std::max(backoff_.NextDelay(), retry_after.value_or(absl::ZeroDuration()));
  not_before_ = clock_->Now() + delay;
  return delay;
}

void CallLane::SidecarReachable() {
  if (sidecar_asked_to_wait_) return;
  backoff_.Reset();
  not_before_ = absl::InfinitePast();
}

void CallLane::Run() {
  for (;;) {
    Call call;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || call_ != nullptr; });
      if (stopping_) return;
      call.swap(call_);
    }
    Completion completion = call();
    if (!completion) completion = [] {};
    {
      std::lock_guard<std::mutex> lock(mu_);
      completion_ = std::move(completion);
    }
    wake_->Wake();
  }
}

}  // namespace edgectl::worker
