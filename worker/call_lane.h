// File: worker/call_lane.h
//
// One blocking sidecar call at a time, on a thread of its own, so the worker's loop never waits
// for the sidecar (or for Airflow behind it): a heartbeat retried against a slow API does not hold
// up job starts, log shipping or signal handling. The loop Submit()s a call when the lane is
// free; the call runs on the lane's thread and returns a completion, which the loop runs on its
// own thread (RunCompletion) so all state stays single-threaded. After a failure the lane keeps
// its own jittered backoff (at least the sidecar's retry-after), independent of the other lanes.
#ifndef EDGECTL_WORKER_CALL_LANE_H_
#define EDGECTL_WORKER_CALL_LANE_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "worker/backoff.h"
#include "worker/clock.h"
#include "worker/signal_pipe.h"

namespace edgectl::worker {

class CallLane {
 public:
  using Completion = std::function<void()>;
  using Call = std::function<Completion()>;

  CallLane(std::string name, Clock* clock, RandomSource* random, WakePipe* wake);
  ~CallLane();  // waits for a call under way (each has a deadline)
  CallLane(const CallLane&) = delete;
  CallLane& operator=(const CallLane&) = delete;

  // No call submitted whose completion has not run, and not backing off.
  bool Ready() const;
  bool Busy() const { return busy_; }
  // Runs `call` on the lane's thread. Only when Ready().
  void Submit(Call call);
  // Runs the finished call's completion on the calling (loop) thread; no-op otherwise.
  void RunCompletion();

  // The call failed: no new call before the next backoff delay (or the sidecar's retry-after,
  // when longer). Returns the delay.
  absl::Duration Failed(const absl::Status& status);
  // The call succeeded: the backoff starts over.
  void Succeeded() { backoff_.Reset(); }
  // The sidecar is reachable again (its stream came back): a lane waiting out a backoff from
  // the outage may call at once, so a final report does not wait up to the 30 s cap after the
  // sidecar returned. A retry-after the sidecar asked for is still honoured.
  void SidecarReachable();
  const std::string& name() const { return name_; }

 private:
  void Run();

  const std::string name_;
  Clock* clock_;
  WakePipe* wake_;
  Backoff backoff_;
  absl::Time not_before_ = absl::InfinitePast();
  bool sidecar_asked_to_wait_ = false;  // the last failure carried a retry-after
  bool busy_ = false;  // loop thread only: submitted, completion not yet run

  std::mutex mu_;
  std::condition_variable cv_;
  Call call_;              // guarded by mu_: waiting to run
  Completion completion_;  // guarded by mu_: finished, waiting for the loop
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_CALL_LANE_H_
