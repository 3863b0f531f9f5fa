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

// Bounds the memory one read may take for a chatty task; the rest is read next time.
constexpr size_t kMaxReadBytes = 4 << 20;

}  // namespace

LogTailer::LogTailer(std::string path, size_t max_chunk_bytes, size_t slice_chars, Clock* clock)
    : path_(std::move(path)),
      max_chunk_bytes_(std::max<size_t>(max_chunk_bytes, 4)),
      slice_chars_(std::max<size_t>(slice_chars, 1)),
      clock_(clock) {}

absl::Status LogTailer::ReadNew(bool final) {
  const int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat("cannot open log ", path_, ": ", strerror(errno)));
  }
  const uint64_t read_from = emitted_offset_ + held_back_.size();
  struct stat st {};
  if (fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) <= read_from) {
    close(fd);
    return final && !held_back_.empty() ? EmitHeldBack() : absl::OkStatus();
  }
  const size_t available = static_cast<size_t>(st.st_size - read_from);
  std::string buffer(std::min(available, kMaxReadBytes), '\0');
  const ssize_t n = pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(read_from));
  const int read_errno = errno;
  close(fd);
  if (n < 0) {
    return absl::UnavailableError(absl::StrCat("cannot read log ", path_, ": ", strerror(read_errno)));
  }
  std::string data = held_back_ + buffer.substr(0, static_cast<size_t>(n));
  held_back_.clear();
  const bool more_to_read = available > static_cast<size_t>(n);
  size_t usable = (final && !more_to_read) ? data.size() : CompleteUtf8PrefixLength(data);
  held_back_ = data.substr(usable);
  std::string_view rest(data.data(), usable);
  while (!rest.empty()) {
    size_t take = std::min(rest.size(), max_chunk_bytes_);
    if (take < rest.size()) {
      const size_t cut = CompleteUtf8PrefixLength(rest.substr(0, take));
      if (cut > 0) take = cut;
    }
    Emit(std::string(rest.substr(0, take)));
    rest.remove_prefix(take);
  }
  if (final && more_to_read) return ReadNew(true);
  return absl::OkStatus();
}

absl::Status LogTailer::EmitHeldBack() {
  std::string tail;
  tail.swap(held_back_);
  Emit(std::move(tail));
  return absl::OkStatus();
}

void LogTailer::AppendText(const std::string& text) {
  if (text.empty()) return;
  // The text is not part of the file: it takes the current end offset but does not move it.
  const uint64_t saved = emitted_offset_;
  Emit(text);
  emitted_offset_ = saved;
}

void LogTailer::Emit(std::string data) {
  // Backslash escapes can make one byte four characters, so a chunk may become up to
  // 4 * size / slice_chars slices, each 1 us after the previous one.
  const int64_t slices = static_cast<int64_t>((4 * data.size()) / slice_chars_) + 1;
  absl::Time time = clock_->Now();
  if (last_chunk_time_ != absl::InfinitePast()) {
    time = std::max(time, last_chunk_time_ + absl::Microseconds(1));
  }
  // Whole microseconds: edge_logs stores microsecond precision.
  time = absl::FromUnixMicros(absl::ToUnixMicros(time));
  if (last_chunk_time_ != absl::InfinitePast() && time <= last_chunk_time_) {
    time = last_chunk_time_ + absl::Microseconds(1);
  }
  PendingLogChunk chunk{emitted_offset_, std::move(data), time, false};
  emitted_offset_ += chunk.data.size();
  last_chunk_time_ = time + absl::Microseconds(slices - 1);
  pending_.push_back(std::move(chunk));
}

void LogTailer::Acknowledge(uint64_t stored_offset) {
  std::deque<PendingLogChunk> keep;
  for (PendingLogChunk& chunk : pending_) {
    const bool stored = chunk.in_flight && chunk.offset + chunk.data.size() <= stored_offset;
    chunk.in_flight = false;
    if (!stored) keep.push_back(std::move(chunk));
  }
  pending_ = std::move(keep);
}

bool LogTailer::DropChunk(uint64_t offset) {
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (it->offset == offset) {
      pending_.erase(it);
      return true;
    }
  }
  return false;
}

void LogTailer::ClearInFlight() {
  for (PendingLogChunk& chunk : pending_) chunk.in_flight = false;
}

}  // namespace edgectl::worker
