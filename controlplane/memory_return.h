// File: controlplane/memory_return.h
//
// Gives the heap memory of departed workers back to the operating system. glibc's malloc keeps
// freed memory inside its arenas (gRPC's connection and stream buffers are freed from many
// threads, in the middle of the heap), so without a trim the sidecar's RSS stays at its
// high-water mark after a fleet disconnects. Observe() is called now and then (the health
// loop) with the number of connected workers; once that number has fallen by `min_drop`
// (default 500) below the highest seen since the last trim, it calls malloc_trim(0) once and
// starts over from the current number; the next call trims once more unless workers came back
// meanwhile (a departing worker's connection is torn down a little after its stream, so the
// first trim comes before all of its buffers are free). Cost: two trims per large departure,
// nothing otherwise.
// Not thread-safe: one caller.
#ifndef EDGECTL_CONTROLPLANE_MEMORY_RETURN_H_
#define EDGECTL_CONTROLPLANE_MEMORY_RETURN_H_

#include <cstddef>

namespace edgectl::controlplane {

class MemoryReturn {
 public:
  explicit MemoryReturn(size_t min_drop = 500) : min_drop_(min_drop) {}

  // Returns true when it trimmed.
  bool Observe(size_t connected_workers);
  size_t trims() const { return trims_; }

 private:
  const size_t min_drop_;
  size_t high_ = 0;
  size_t trims_ = 0;
  bool settle_ = false;  // trim again on the next call if the fleet did not grow
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_MEMORY_RETURN_H_
