// File: tests/fakes/manual_clock.h
//
// A controlplane::Clock that moves only when the test says so, for deadlines (dispatch
// acknowledgement timeouts) tested without waiting. Thread-safe.
#ifndef EDGECTL_TESTS_FAKES_MANUAL_CLOCK_H_
#define EDGECTL_TESTS_FAKES_MANUAL_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/clock.h"

namespace edgectl::testing {

// A clock the test moves by hand.
class ManualClock final : public controlplane::Clock {
 public:
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_) = absl::FromUnixSeconds(1767225600);
};

}  // namespace edgectl::testing

#endif  // EDGECTL_TESTS_FAKES_MANUAL_CLOCK_H_
