#include "common/build_info.h"

#ifndef EDGECTL_GIT_COMMIT
#define EDGECTL_GIT_COMMIT "unknown"
#endif

namespace edgectl {

const char* GitCommit() { return EDGECTL_GIT_COMMIT; }

std::string VersionLine() {
  return std::string("edgectl ") + kEdgectlVersion + " (commit " + GitCommit() + ")";
}

}  // namespace edgectl
