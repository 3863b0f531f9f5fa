#include "controlplane/memory_return.h"

#include <malloc.h>

#include <algorithm>

namespace edgectl::controlplane {

bool MemoryReturn::Observe(size_t connected_workers) {
  high_ = std::max(high_, connected_workers);
  if (high_ - connected_workers < min_drop_) return false;
  malloc_trim(0);
  ++trims_;
  high_ = connected_workers;
  return true;
}

}  // namespace edgectl::controlplane
