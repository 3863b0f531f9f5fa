// File: worker/clock.h
//
// Time and randomness as collaborators, so backoff, heartbeat pacing and log chunk times can be
// tested without sleeping. Now() is wall-clock time (it becomes edge_logs.log_chunk_time).
#ifndef EDGECTL_WORKER_CLOCK_H_
#define EDGECTL_WORKER_CLOCK_H_

#include "absl/random/random.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace edgectl::worker {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;
};

class SystemClock : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
};

// Uniform doubles in [0, 1).
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual double Uniform01() = 0;
};

class SystemRandom : public RandomSource {
 public:
  double Uniform01() override { return absl::Uniform<double>(bitgen_, 0.0, 1.0); }

 private:
  absl::BitGen bitgen_;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_CLOCK_H_
