#include "worker/log_tailer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "worker/utf8_boundary.h"

namespace edgectl::worker {
namespace {

// Reads [offset, offset + length) of the open file; short when the file is shorter.
absl::StatusOr<std::string> ReadAt(int fd, const std::string& path, uint64_t offset,
                                   size_t length) {
  std::string data(length, '\0');
  size_t done = 0;
  while (done < length) {
    const ssize_t n = pread(fd, data.data() + done, length - done,
                            static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::UnavailableError(absl::StrCat("cannot read log ", path, ": ",
                                                 std::strerror(errno)));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  data.resize(done);
  return data;
}

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

uint64_t FileSize(const std::string& path) {
  struct stat st {};
  if (path.empty() || stat(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

LogTailer::LogTailer(size_t max_chunk_bytes, size_t slice_chars, Clock* clock)
    : max_chunk_bytes_(std::max<size_t>(max_chunk_bytes, 4)),
      slice_chars_(std::max<size_t>(slice_chars, 1)),
      clock_(clock) {}

int64_t LogTailer::NextTime(JobRecord& record, size_t data_size) const {
  // Backslash escapes can make one byte four characters, so a chunk may become up to
  // 4 * size / slice_chars slices, each 1 us after the previous one. Whole microseconds:
  // edge_logs stores microsecond precision.
  const int64_t slices = static_cast<int64_t>((4 * data_size) / slice_chars_) + 1;
  int64_t time = absl::ToUnixMicros(clock_->Now());
  if (record.log_last_time_us != 0) time = std::max(time, record.log_last_time_us + 1);
  record.log_last_time_us = time + slices - 1;
  return time;
}

void LogTailer::AppendText(JobRecord& record, const std::string& text) const {
  if (text.empty()) return;
  LogChunkRecord chunk;
  chunk.offset = record.log_emitted;
  chunk.length = 0;
  chunk.time_us = NextTime(record, text.size());
  chunk.text = text;
  record.log_pending.push_back(std::move(chunk));
}

absl::StatusOr<std::vector<OutgoingChunk>> LogTailer::NextBatch(JobRecord& record, size_t budget,
                                                                bool final,
                                                                bool text_only) const {
  std::vector<OutgoingChunk> out;
  size_t bytes = 0;
  const int fd = record.log_file.empty() ? -1 : open(record.log_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && !record.log_file.empty() && errno != ENOENT) {
    return absl::UnavailableError(
        absl::StrCat("cannot open log ", record.log_file, ": ", std::strerror(errno)));
  }
  const FdCloser closer{fd};
  struct stat st {};
  const uint64_t size = fd >= 0 && fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  // Pending chunks first, exactly as they were (or will have been) sent.
  for (auto it = record.log_pending.begin(); it != record.log_pending.end();) {
    if (!out.empty() && bytes >= budget) return out;
    OutgoingChunk chunk;
    chunk.offset = it->offset;
    chunk.time_us = it->time_us;
    if (it->text.has_value()) {
      chunk.text = true;
      chunk.data = *it->text;
    } else {
      if (it->offset + it->length > size) {
        // The file shrank under the task (rewritten, rotated): those bytes are gone and cannot
        // be re-sent as they were; forget the chunk rather than send other bytes in its place.
        it = record.log_pending.erase(it);
        continue;
      }
      chunk.length = it->length;
    }
    bytes += chunk.size();
    out.push_back(std::move(chunk));
    ++it;
  }
  // After the job's end and the file's last byte: the trailer.
  auto add_trailer = [&] {
    if (!final || record.log_trailer.empty() || record.log_emitted < size) return;
    AppendText(record, record.log_trailer);
    record.log_trailer.clear();
    const LogChunkRecord& chunk = record.log_pending.back();
    OutgoingChunk text;
    text.offset = chunk.offset;
    text.data = *chunk.text;
    text.time_us = chunk.time_us;
    text.text = true;
    out.push_back(std::move(text));
  };
  if (fd < 0 || text_only) {
    record.log_emitted = std::max(record.log_emitted, size);
    add_trailer();
    return out;
  }
  while (record.log_emitted < size && (out.empty() || bytes < budget)) {
    size_t length = static_cast<size_t>(
        std::min<uint64_t>(size - record.log_emitted, max_chunk_bytes_));
    const bool at_end = record.log_emitted + length >= size;
    if (!(final && at_end)) {
      // Only the last 3 bytes can hold an unfinished character: read just those.
      const size_t tail_length = std::min<size_t>(length, 3);
      absl::StatusOr<std::string> tail =
          ReadAt(fd, record.log_file, record.log_emitted + length - tail_length, tail_length);
      if (!tail.ok()) return tail.status();
      if (tail->size() != tail_length) break;  // the file shrank since fstat
      const size_t cut = length - (tail_length - CompleteUtf8PrefixLength(*tail));
      if (cut == 0 && !final) break;  // only an unfinished character so far
      if (cut > 0) length = cut;
    }
    LogChunkRecord chunk;
    chunk.offset = record.log_emitted;
    chunk.length = length;
    chunk.time_us = NextTime(record, length);
    record.log_emitted += length;
    record.log_pending.push_back(chunk);
    bytes += length;
    OutgoingChunk outgoing;
    outgoing.offset = chunk.offset;
    outgoing.length = length;
    outgoing.time_us = chunk.time_us;
    out.push_back(std::move(outgoing));
  }
  add_trailer();
  return out;
}

void LogTailer::Acknowledge(JobRecord& record, const std::vector<OutgoingChunk>& sent,
                            uint64_t stored_offset) {
  for (const OutgoingChunk& chunk : sent) {
    if (chunk.offset + chunk.size() > stored_offset) continue;
    auto it = std::find_if(record.log_pending.begin(), record.log_pending.end(),
                           [&](const LogChunkRecord& p) { return p.time_us == chunk.time_us; });
    if (it != record.log_pending.end()) record.log_pending.erase(it);
  }
}

void LogTailer::DropChunk(JobRecord& record, uint64_t offset) {
  auto it = std::find_if(record.log_pending.begin(), record.log_pending.end(),
                         [&](const LogChunkRecord& p) { return p.offset == offset; });
  if (it != record.log_pending.end()) record.log_pending.erase(it);
}

bool LogTailer::Complete(const JobRecord& record, bool text_only) const {
  if (!record.log_pending.empty() || !record.log_trailer.empty()) return false;
  return text_only || record.log_emitted >= FileSize(record.log_file);
}

}  // namespace edgectl::worker
