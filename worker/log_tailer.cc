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
  // Pending chunks first, exactly as they were (or will have been) sent.
  for (auto it = record.log_pending.begin(); it != record.log_pending.end();) {
    if (!out.empty() && bytes >= budget) return out;
    std::string data;
    if (it->text.has_value()) {
      data = *it->text;
    } else {
      absl::StatusOr<std::string> read =
          fd >= 0 ? ReadAt(fd, record.log_file, it->offset, it->length)
                  : absl::StatusOr<std::string>(std::string());
      if (!read.ok()) return read.status();
      if (read->size() != it->length) {
        // The file shrank under the task (rewritten, rotated): those bytes are gone and cannot
        // be re-sent as they were; forget the chunk rather than send other bytes in its place.
        it = record.log_pending.erase(it);
        continue;
      }
      data = *std::move(read);
    }
    bytes += data.size();
    out.push_back({it->offset, std::move(data), it->time_us});
    ++it;
  }
  struct stat st {};
  const uint64_t size = fd >= 0 && fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  // After the job's end and the file's last byte: the trailer.
  auto add_trailer = [&] {
    if (!final || record.log_trailer.empty() || record.log_emitted < size) return;
    AppendText(record, record.log_trailer);
    record.log_trailer.clear();
    const LogChunkRecord& chunk = record.log_pending.back();
    out.push_back({chunk.offset, *chunk.text, chunk.time_us});
  };
  if (fd < 0 || text_only) {
    record.log_emitted = std::max(record.log_emitted, size);
    add_trailer();
    return out;
  }
  while (record.log_emitted < size && (out.empty() || bytes < budget)) {
    const size_t want = static_cast<size_t>(
        std::min<uint64_t>(size - record.log_emitted, max_chunk_bytes_));
    absl::StatusOr<std::string> read = ReadAt(fd, record.log_file, record.log_emitted, want);
    if (!read.ok()) return read.status();
    std::string data = *std::move(read);
    if (data.empty()) break;
    const bool at_end = record.log_emitted + data.size() >= size;
    if (!(final && at_end)) {
      const size_t cut = CompleteUtf8PrefixLength(data);
      if (cut == 0 && !final) break;  // only an unfinished character so far
      if (cut > 0) data.resize(cut);
    }
    LogChunkRecord chunk;
    chunk.offset = record.log_emitted;
    chunk.length = data.size();
    chunk.time_us = NextTime(record, data.size());
    record.log_emitted += data.size();
    record.log_pending.push_back(chunk);
    bytes += data.size();
    out.push_back({chunk.offset, std::move(data), chunk.time_us});
  }
  add_trailer();
  return out;
}

void LogTailer::Acknowledge(JobRecord& record, const std::vector<OutgoingChunk>& sent,
                            uint64_t stored_offset) {
  for (const OutgoingChunk& chunk : sent) {
    if (chunk.offset + chunk.data.size() > stored_offset) continue;
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
