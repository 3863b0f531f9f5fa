#include "common/process_descriptors.h"

#include <dirent.h>
#include <sys/resource.h>

namespace edgectl {

std::optional<size_t> OpenDescriptorCount() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  size_t count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count > 0 ? count - 1 : 0;  // not the descriptor opendir itself holds
}

std::optional<size_t> SoftDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return std::nullopt;
  }
  return static_cast<size_t>(limit.rlim_cur);
}

}  // namespace edgectl
