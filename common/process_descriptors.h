// File: common/process_descriptors.h
//
// This process's file descriptors as Linux reports them: how many are open (/proc/self/fd) and
// the soft RLIMIT_NOFILE. Read by the sidecar's descriptor budget and by the process_* metrics
// of both processes. nullopt when the value cannot be known (no /proc, an unlimited limit).
#ifndef EDGECTL_COMMON_PROCESS_DESCRIPTORS_H_
#define EDGECTL_COMMON_PROCESS_DESCRIPTORS_H_

#include <cstddef>
#include <optional>

namespace edgectl {

std::optional<size_t> OpenDescriptorCount();
std::optional<size_t> SoftDescriptorLimit();

}  // namespace edgectl

#endif  // EDGECTL_COMMON_PROCESS_DESCRIPTORS_H_
