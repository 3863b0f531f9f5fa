// File: common/malloc_tuning.h
//
// Keeps freed heap memory for reuse instead of returning it to the kernel at once. Log shipping
// allocates and frees buffers of hundreds of KiB per chunk (gRPC messages, decoded text, JSON
// bodies); with glibc's defaults each such buffer comes from a fresh mmap or a trimmed heap top,
// and every page of it is faulted in again. Measured on the 2-core VM (bench/README.md): decoding
// and JSON-encoding a 600 KB log chunk ran at ~100 MB/s with fresh pages and ~1,200 MB/s with
// reused ones. Process-wide; call once at start from the binary's command (no-op elsewhere than
// glibc). The memory kept is bounded by `keep_bytes` above what the process uses at its peak.
#ifndef EDGECTL_COMMON_MALLOC_TUNING_H_
#define EDGECTL_COMMON_MALLOC_TUNING_H_

#include <cstddef>

namespace edgectl {

// Allocations up to 32 MiB come from the heap (reused after free), and a heap keeps up to
// `keep_bytes` of free memory at its top before giving it back.
void KeepFreedMemoryForReuse(size_t keep_bytes = 64 << 20);

}  // namespace edgectl

#endif  // EDGECTL_COMMON_MALLOC_TUNING_H_
