// File: common/file_stamp.h
//
// What tells that a file was replaced or rewritten without reading it: inode, size and
// modification time (nanoseconds). Used to re-read certificate, key, CA and token files only when
// they changed. A rewrite that keeps all three (same size, within the file system's timestamp
// granularity) goes unnoticed; replacing a file by rename, as rotation tools do, never does.
#ifndef EDGECTL_COMMON_FILE_STAMP_H_
#define EDGECTL_COMMON_FILE_STAMP_H_

#include <string>

namespace edgectl {

// "" when the file does not exist or cannot be examined.
std::string FileStamp(const std::string& path);

}  // namespace edgectl

#endif  // EDGECTL_COMMON_FILE_STAMP_H_
