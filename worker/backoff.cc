#include "worker/backoff.h"

#include <algorithm>

namespace edgectl::worker {

absl::Duration Backoff::NextDelay() {
  absl::Duration ceiling = initial_;
  for (int i = 0; i < attempt_ && ceiling < max_; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, max_);
  ++attempt_;
  const absl::Duration floor = std::min(initial_ / 2, ceiling);
  return floor + (ceiling - floor) * random_->Uniform01();
}

}  // namespace edgectl::worker
