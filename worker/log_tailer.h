// File: worker/log_tailer.h
//
// Tails one job's log file and turns new bytes into chunks for PushLogs (protocol §7):
//   * chunk offset = byte offset of its first byte in the file; data = raw bytes, at most
//     max_chunk_bytes, cut at UTF-8 character boundaries (an incomplete trailing sequence is held
//     back until more bytes arrive or the final read);
//   * chunk_time strictly increasing, at least 1 us apart plus one more microsecond per slice
//     the sidecar may cut a chunk into, so slice times never collide with the next chunk's;
//   * chunks stay pending until acknowledged, and are re-sent unchanged (same offset, same
//     chunk_time) after a failure: that is what makes delivery exactly-once on the sidecar.
// Text that is not in the file (the "Error executing job" text, SIGTERM notices) is added with
// AppendText at the current end offset. Not thread-safe: owned by the worker's loop.
#ifndef EDGECTL_WORKER_LOG_TAILER_H_
#define EDGECTL_WORKER_LOG_TAILER_H_

#include <cstdint>
#include <deque>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "worker/clock.h"

namespace edgectl::worker {

struct PendingLogChunk {
  uint64_t offset = 0;
  std::string data;
  absl::Time chunk_time;
  bool in_flight = false;  // carried by the PushLogs call now under way
};

class LogTailer {
 public:
  // slice_chars: the sidecar's [edge] push_log_chunk_size (used to space chunk times).
  LogTailer(std::string path, size_t max_chunk_bytes, size_t slice_chars, Clock* clock);

  // Reads what was appended since the last call. A missing file is not an error (the task may
  // not have created it yet; edge3 ignores it too). final = the job has exited: nothing more will
  // complete a held-back partial character, so it is emitted as is.
  absl::Status ReadNew(bool final);
  void AppendText(const std::string& text);

  std::deque<PendingLogChunk>& pending() { return pending_; }
  bool HasPending() const { return !pending_.empty(); }
  // The RPC that carried the in-flight chunks succeeded and the sidecar has stored everything
  // below stored_offset: drop those chunks. The rest are no longer in flight (re-sent next time).
  void Acknowledge(uint64_t stored_offset);
  // The RPC failed: everything stays pending, unchanged.
  void ClearInFlight();
  // The sidecar refused the chunk at `offset` for good (it conflicts with what edge_logs holds):
  // forget it. Returns whether there was such a chunk.
  bool DropChunk(uint64_t offset);
  // The sidecar refused the job's log for good (job gone, or not this worker's): forget all.
  void DropAll() { pending_.clear(); }

  const std::string& path() const { return path_; }
  uint64_t emitted_offset() const { return emitted_offset_; }

 private:
  void Emit(std::string data);
  // The job ended with an unfinished character held back: emit it as it is.
  absl::Status EmitHeldBack();

  std::string path_;
  size_t max_chunk_bytes_;
  size_t slice_chars_;
  Clock* clock_;
  uint64_t emitted_offset_ = 0;  // file bytes already turned into chunks
  std::string held_back_;       // bytes read but not yet emitted (an unfinished character)
  absl::Time last_chunk_time_ = absl::InfinitePast();
  std::deque<PendingLogChunk> pending_;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_LOG_TAILER_H_
