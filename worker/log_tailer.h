// File: worker/log_tailer.h
//
// Turns one job's log file into PushLogs chunks without copying it (protocol §7, docs
// "Exactly once"): the file is the journal of the bytes, the job's LogProgress (in its
// JobRecord) keeps only where delivery stands. A file chunk is a descriptor (offset, length,
// time): its bytes are read only when it is written to the stream (LogChunkReader), one chunk at
// a time, so neither a batch nor a backlog is ever held in memory.
//   * a chunk's offset is the file offset of its first byte; it carries at most max_chunk_bytes,
//     cut at UTF-8 character boundaries (an incomplete trailing character waits for more bytes,
//     or for the job's end);
//   * chunk_time is strictly increasing, spaced by the number of slices the sidecar may cut the
//     chunk into, so slice times never collide with the next chunk's;
//   * a chunk stays in `pending` until acknowledged and is re-sent unchanged (same offset, same
//     bytes, same chunk_time), also by a restarted worker: that is what makes the sidecar store
//     it exactly once.
// Text that is not in the file (the "Error executing job" text, drain notices) is a pending chunk
// that carries its text, at the current end offset without advancing it. The unacknowledged
// chunks of a job (log_pending) are bounded by the batch budget: NextBatch cuts new chunks only
// up to it, and re-sends the pending ones first. Not thread-safe.
#ifndef EDGECTL_WORKER_LOG_TAILER_H_
#define EDGECTL_WORKER_LOG_TAILER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "worker/clock.h"
#include "worker/job_record.h"

namespace edgectl::worker {

struct OutgoingChunk {
  uint64_t offset = 0;
  std::string data;    // a text chunk's text; empty for file bytes (read when sent)
  uint64_t length = 0;  // file bytes at `offset` (0 for a text chunk)
  int64_t time_us = 0;
  bool text = false;
  // Bytes the chunk carries: what an acknowledgement up to offset + size() covers.
  uint64_t size() const { return text ? data.size() : length; }
};

class LogTailer {
 public:
  // slice_chars: the sidecar's [edge] push_log_chunk_size (to space chunk times).
  LogTailer(size_t max_chunk_bytes, size_t slice_chars, Clock* clock);

  // The chunks to send next for a job, at most about `budget` bytes (at least one chunk when
  // there is any): the pending ones first, unchanged, then new ones cut from `path` and added to
  // `record.log_pending` (the caller journals the record before sending). Reads at most the last
  // 3 bytes of each new chunk (to cut at a character boundary), never its contents. `final`: the job
  // ended, so a trailing incomplete character is sent as it is. `text_only`: [edge] push_logs is
  // off, file bytes are skipped and only text chunks go. A missing file is not an error.
  absl::StatusOr<std::vector<OutgoingChunk>> NextBatch(JobRecord& record, size_t budget,
                                                       bool final, bool text_only) const;

  // Adds text that is not in the file at the current position (journal the record afterwards).
  void AppendText(JobRecord& record, const std::string& text) const;
  // Adds text to send after the file's last byte, once the job has ended (the failure text):
  // it must follow every byte the task wrote, also those not read yet.
  static void AppendTrailer(JobRecord& record, const std::string& text) {
    record.log_trailer += text;
  }

  // The sidecar stored everything below `stored_offset` of the chunks in `sent`: they are no
  // longer pending.
  static void Acknowledge(JobRecord& record, const std::vector<OutgoingChunk>& sent,
                          uint64_t stored_offset);
  // The sidecar refused the chunk at `offset` for good: it is no longer pending.
  static void DropChunk(JobRecord& record, uint64_t offset);

  // Nothing pending and (after the job's end) the whole file emitted: the log is delivered.
  bool Complete(const JobRecord& record, bool text_only) const;

 private:
  int64_t NextTime(JobRecord& record, size_t data_size) const;

  size_t max_chunk_bytes_;
  size_t slice_chars_;
  Clock* clock_;
};

// Size of the file at `path`; 0 when it does not exist.
uint64_t FileSize(const std::string& path);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_LOG_TAILER_H_
