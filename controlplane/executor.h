// File: controlplane/executor.h
//
// A bounded pool of threads for the sidecar's blocking work (REST calls to Airflow, PostgreSQL
// queries), so gRPC reactions never block, shared fairly between callers. Work is submitted
// under a key (the caller's identity, see auth::Authenticator::FairShareKey; "" for the
// sidecar's own work): each key has its own queue, threads take keys in round-robin order, and a
// key runs at most `max_running_per_key` tasks at once. A flood of calls from one worker
// therefore waits in that worker's queue while every other worker's calls keep their turn.
// Submit() refuses work instead of queueing without bound: RESOURCE_EXHAUSTED when the key's
// queue is full (that caller should slow down), UNAVAILABLE when all queues together are full
// or the pool is stopping (retry later). Shutdown() runs everything queued, then joins.
#ifndef EDGECTL_CONTROLPLANE_EXECUTOR_H_
#define EDGECTL_CONTROLPLANE_EXECUTOR_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace edgectl::controlplane {

struct ExecutorOptions {
  size_t threads = 16;
  size_t max_queued = 10000;          // all keys together
  size_t max_queued_per_key = 256;    // one caller
  size_t max_running_per_key = 4;     // one caller's share of the threads ("" is unlimited)
};

class Executor {
 public:
  explicit Executor(ExecutorOptions options);
  Executor(size_t threads, size_t max_queued) : Executor(ExecutorOptions{threads, max_queued}) {}
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  absl::Status Submit(const std::string& key, std::function<void()> task);
  // The sidecar's own work (dispatch, requeue): key "".
  absl::Status Submit(std::function<void()> task) { return Submit("", std::move(task)); }
  void Shutdown();

  size_t queued() const;

 private:
  struct Lane {
    std::deque<std::function<void()>> tasks;
    size_t running = 0;
    bool ready = false;  // in ready_
  };
  bool Runnable(const std::string& key, const Lane& lane) const;
  void Run();

  const ExecutorOptions options_;
  mutable absl::Mutex mu_;
  std::map<std::string, Lane> lanes_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> ready_ ABSL_GUARDED_BY(mu_);  // keys with runnable work, in turn
  size_t queued_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_EXECUTOR_H_
