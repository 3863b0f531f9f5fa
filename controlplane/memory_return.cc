#include "controlplane/memory_return.h"

#include <malloc.h>

#include <algorithm>

namespace edgectl::controlplane {

bool MemoryReturn::Observe(size_t connected_workers) {
  const bool settle = settle_ && connected_workers <= high_;
  settle_ = false;
  high_ = std::max(high_, connected_workers);
  if (!settle && high_ - connected_workers < min_drop_) return false;
  malloc_trim(0);
  ++trims_;
  settle_ = !settle;
  high_ = connected_workers;
  return true;
}

}  // namespace edgectl::controlplane
