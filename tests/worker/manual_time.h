// File: tests/worker/manual_time.h
//
// The worker's Clock and RandomSource for unit tests: time moves only when the test sets `now`,
// and every random draw is 0.5 (backoff delays come out exactly in the middle of their jitter).
#ifndef EDGECTL_TESTS_WORKER_MANUAL_TIME_H_
#define EDGECTL_TESTS_WORKER_MANUAL_TIME_H_

#include "absl/time/time.h"
#include "worker/clock.h"

namespace edgectl::worker {

class FakeClock : public Clock {
 public:
  absl::Time Now() override { return now; }
  absl::Time now = absl::FromUnixSeconds(1700000000);
};

class HalfRandom : public RandomSource {
 public:
  double Uniform01() override { return 0.5; }
};

}  // namespace edgectl::worker

#endif  // EDGECTL_TESTS_WORKER_MANUAL_TIME_H_
