// File: worker/backoff.h
//
// Jittered exponential backoff for reconnecting to the sidecar ("full jitter": the delay is
// uniform in [initial/2, min(max, initial * 2^attempt)]), so a fleet that lost its sidecar does not
// reconnect in lock-step. Reset() after a success.
#ifndef EDGECTL_WORKER_BACKOFF_H_
#define EDGECTL_WORKER_BACKOFF_H_

#include "absl/time/time.h"
#include "worker/clock.h"

namespace edgectl::worker {

class Backoff {
 public:
  Backoff(absl::Duration initial, absl::Duration max, RandomSource* random)
      : initial_(initial), max_(max), random_(random) {}

  absl::Duration NextDelay();
  void Reset() { attempt_ = 0; }
  int attempt() const { return attempt_; }

 private:
  absl::Duration initial_;
  absl::Duration max_;
  RandomSource* random_;
  int attempt_ = 0;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_BACKOFF_H_
