// File: controlplane/executor.h
//
// A bounded pool of threads for the sidecar's blocking work (REST calls to Airflow, PostgreSQL
// queries), so gRPC reactions never block. Submit() refuses work with UNAVAILABLE when the
// queue is full: the caller answers the worker "retry later" instead of queueing without bound.
// Shutdown() runs everything already queued, then joins the threads.
#ifndef EDGECTL_CONTROLPLANE_EXECUTOR_H_
#define EDGECTL_CONTROLPLANE_EXECUTOR_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace edgectl::controlplane {

class Executor {
 public:
  Executor(size_t threads, size_t max_queued);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  absl::Status Submit(std::function<void()> task);
  void Shutdown();

 private:
  void Run();

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_EXECUTOR_H_
