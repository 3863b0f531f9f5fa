// File: worker/log_chunk_reader.h
//
// Reads the file bytes of outgoing log chunks (LogTailer descriptors) one at a time, right
// before each is written to the PushLogs stream, into the caller's buffer (the stream's one
// LogChunk message, reused), so shipping a backlog holds one chunk per stream, not a batch or
// the file. Keeps the last file open between chunks. max_bytes_held() is the largest chunk it
// read: the worker's log bytes in memory per stream, which tests bound. Not thread-safe.
#ifndef EDGECTL_WORKER_LOG_CHUNK_READER_H_
#define EDGECTL_WORKER_LOG_CHUNK_READER_H_

#include <cstddef>
#include <string>

#include "worker/log_tailer.h"

namespace edgectl::worker {

class LogChunkReader {
 public:
  LogChunkReader() = default;
  ~LogChunkReader();
  LogChunkReader(const LogChunkReader&) = delete;
  LogChunkReader& operator=(const LogChunkReader&) = delete;

  // Replaces *out with the chunk's bytes of the file at `path` (a text chunk: its text). False
  // when the file no longer holds them (shrunk, removed, unreadable): the chunk is not sent.
  bool Read(const std::string& path, const OutgoingChunk& chunk, std::string* out);

  size_t max_bytes_held() const { return max_bytes_held_; }

 private:
  std::string path_;
  int fd_ = -1;
  size_t max_bytes_held_ = 0;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_LOG_CHUNK_READER_H_
