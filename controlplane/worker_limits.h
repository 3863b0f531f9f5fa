// File: controlplane/worker_limits.h
//
// Per-worker limits so one client cannot starve the others (keyed by the authenticated name):
//   * log bytes: a token bucket of `log_bytes_per_second` (burst: one second's worth). Bytes are
//     charged after they reached Airflow, and a stream is told to slow down only while the
//     balance is negative, so a re-sent chunk that was already stored costs nothing and every
//     refill lets at least one chunk through (progress is guaranteed however low the rate);
//   * open PushLogs streams: at most `log_streams` at once;
//   * Connect attempts: at most `connects_per_minute` (a reconnecting worker makes a few).
// A refusal comes with the delay after which trying again can succeed. Thread-safe.
#ifndef EDGECTL_CONTROLPLANE_WORKER_LIMITS_H_
#define EDGECTL_CONTROLPLANE_WORKER_LIMITS_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/clock.h"

namespace edgectl::controlplane {

struct WorkerLimitOptions {
  double log_bytes_per_second = 256.0 * 1024 * 1024;
  int log_streams = 4;
  int connects_per_minute = 30;
};

class WorkerLimits {
 public:
  WorkerLimits(WorkerLimitOptions options, const Clock& clock)
      : options_(options), clock_(clock) {}

  // nullopt: go on; else how long the worker should wait before sending more log bytes.
  std::optional<absl::Duration> LogDelay(const std::string& worker);
  void ChargeLogBytes(const std::string& worker, uint64_t bytes);

  bool OpenLogStream(const std::string& worker);
  void CloseLogStream(const std::string& worker);

  // nullopt: admitted (and counted); else the delay until the next attempt may be admitted.
  std::optional<absl::Duration> AdmitConnect(const std::string& worker);

 private:
  struct State {
    double log_balance = 0;  // bytes; refilled up to one second's worth
    absl::Time refilled_at = absl::InfinitePast();
    int log_streams = 0;
    std::deque<absl::Time> connects;  // within the last minute
  };
  void Refill(State& s, absl::Time now) const;

  const WorkerLimitOptions options_;
  const Clock& clock_;
  absl::Mutex mu_;
  std::map<std::string, State> workers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_WORKER_LIMITS_H_
