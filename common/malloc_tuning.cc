#include "common/malloc_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace edgectl {

void KeepFreedMemoryForReuse(size_t keep_bytes) {
#if defined(__GLIBC__)
  // 32 MiB is glibc's upper bound for the mmap threshold (half a thread arena's heap).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(keep_bytes));
#else
  (void)keep_bytes;
#endif
}

}  // namespace edgectl
