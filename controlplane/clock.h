// File: controlplane/clock.h
//
// Time as the sidecar's domain classes see it, injectable so tests can control deadlines
// (dispatch acknowledgement timeouts) without sleeping.
#ifndef EDGECTL_CONTROLPLANE_CLOCK_H_
#define EDGECTL_CONTROLPLANE_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace edgectl::controlplane {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_CLOCK_H_
