#include "worker/log_chunk_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace edgectl::worker {

LogChunkReader::~LogChunkReader() {
  if (fd_ >= 0) close(fd_);
}

bool LogChunkReader::Read(const std::string& path, const OutgoingChunk& chunk, std::string* out) {
  if (chunk.text) {
    *out = chunk.data;
    max_bytes_held_ = std::max(max_bytes_held_, out->size());
    return true;
  }
  if (fd_ < 0 || path != path_) {
    if (fd_ >= 0) close(fd_);
    fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    path_ = path;
    if (fd_ < 0) return false;
  }
  out->resize(static_cast<size_t>(chunk.length));
  max_bytes_held_ = std::max(max_bytes_held_, out->size());
  size_t done = 0;
  while (done < chunk.length) {
    const ssize_t n = pread(fd_, out->data() + done, chunk.length - done,
                            static_cast<off_t>(chunk.offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace edgectl::worker
