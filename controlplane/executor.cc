#include "controlplane/executor.h"

#include "absl/strings/str_cat.h"

namespace edgectl::controlplane {

Executor::Executor(ExecutorOptions options) : options_(options) {
  for (size_t i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { Run(); });
}

Executor::~Executor() { Shutdown(); }

bool Executor::Runnable(const std::string& key, const Lane& lane) const {
  return !lane.tasks.empty() && (key.empty() || lane.running < options_.max_running_per_key);
}

absl::Status Executor::Submit(const std::string& key, std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the control plane is shutting down; retry");
  if (queued_ >= options_.max_queued) {
    return absl::UnavailableError(absl::StrCat("the control plane is overloaded (",
                                               options_.max_queued,
                                               " calls waiting for Airflow); retry later"));
  }
  Lane& lane = lanes_[key];
  if (!key.empty() && lane.tasks.size() >= options_.max_queued_per_key) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "this worker has ", lane.tasks.size(),
        " calls waiting already; slow down (calls of other workers are not affected)"));
  }
  lane.tasks.push_back(std::move(task));
  ++queued_;
  if (!lane.ready && Runnable(key, lane)) {
    lane.ready = true;
    ready_.push_back(key);
  }
  return absl::OkStatus();
}

size_t Executor::queued() const {
  absl::MutexLock lock(&mu_);
  return queued_;
}

void Executor::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void Executor::Run() {
  for (;;) {
    std::function<void()> task;
    std::string key;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Executor* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(e->mu_) {
            return !e->ready_.empty() || (e->stopping_ && e->queued_ == 0);
          },
          this));
      if (ready_.empty()) return;  // stopping and drained
      key = std::move(ready_.front());
      ready_.pop_front();
      Lane& lane = lanes_[key];
      task = std::move(lane.tasks.front());
      lane.tasks.pop_front();
      --queued_;
      ++lane.running;
      lane.ready = Runnable(key, lane);
      if (lane.ready) ready_.push_back(key);  // its next task waits for the other keys' turn
    }
    task();
    absl::MutexLock lock(&mu_);
    auto it = lanes_.find(key);
    Lane& lane = it->second;
    --lane.running;
    if (!lane.ready && Runnable(key, lane)) {
      lane.ready = true;
      ready_.push_back(key);
    } else if (lane.tasks.empty() && lane.running == 0) {
      lanes_.erase(it);
    }
  }
}

}  // namespace edgectl::controlplane
