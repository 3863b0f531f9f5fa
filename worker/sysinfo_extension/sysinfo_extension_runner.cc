#include "worker/sysinfo_extension/sysinfo_extension_runner.h"

#include <pthread.h>
#include <signal.h>

namespace edgectl::worker {

SysinfoExtensionRunner::SysinfoExtensionRunner(std::unique_ptr<PythonSysinfoHelper> helper,
                                               absl::Duration timeout)
    : helper_(std::move(helper)), timeout_(timeout) {
  // Signals stay with the worker's main thread.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  thread_ = std::thread([this] { Loop(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

SysinfoExtensionRunner::~SysinfoExtensionRunner() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void SysinfoExtensionRunner::Request() {
  absl::MutexLock lock(&mu_);
  requested_ = true;
}

std::optional<SysinfoExtensionResult> SysinfoExtensionRunner::TakeResult() {
  absl::MutexLock lock(&mu_);
  std::optional<SysinfoExtensionResult> result = std::move(result_);
  result_.reset();
  return result;
}

void SysinfoExtensionRunner::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return requested_ || stop_; };
      mu_.Await(absl::Condition(&wake));
      if (stop_) return;
      requested_ = false;
    }
    absl::StatusOr<SysinfoValues> values = helper_->Call(timeout_);
    SysinfoExtensionResult result;
    if (values.ok()) {
      result.values = *std::move(values);
    } else {
      result.error = values.status();
    }
    absl::MutexLock lock(&mu_);
    result_ = std::move(result);
  }
}

}  // namespace edgectl::worker
