// File: common/build_info.h
//
// What this binary is: edgectl's version and the git commit it was built from. The commit comes
// from `--define=EDGECTL_GIT_COMMIT=<sha>`, which scripts/release passes; other builds say
// "unknown" (a development build), so ordinary builds and tests never rebuild because HEAD moved.
// Printed by `edgectl --version`, logged by the worker and the sidecar at start, and sent by the
// worker in sysinfo (`edgectl_version`).
#ifndef EDGECTL_COMMON_BUILD_INFO_H_
#define EDGECTL_COMMON_BUILD_INFO_H_

#include <string>

namespace edgectl {

inline constexpr char kEdgectlVersion[] = "0.2.0";

// The commit, or "unknown".
const char* GitCommit();
// "edgectl 0.2.0 (commit 1a2b3c4)".
std::string VersionLine();

}  // namespace edgectl

#endif  // EDGECTL_COMMON_BUILD_INFO_H_
