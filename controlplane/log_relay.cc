#include "controlplane/log_relay.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controlplane/log_text.h"

namespace edgectl::controlplane {

absl::StatusOr<LogStoreResult> LogRelay::Store(LogChunk chunk) {
  const uint64_t end = chunk.offset + chunk.data.size();
  // edge_logs keeps microseconds: a finer chunk_time would never match its stored row.
  const absl::Time base = absl::FromUnixMicros(absl::ToUnixMicros(chunk.chunk_time));
  const std::vector<std::string> slices =
      SplitIntoSlices(DecodeLogBytes(std::move(chunk.data)), slice_chars_);
  LogStoreResult result{end, 0};
  if (slices.empty()) return result;
  absl::StatusOr<std::vector<StoredLogSlice>> stored = store_.StoredLogSlices(
      chunk.key, base, base + absl::Microseconds(static_cast<int64_t>(slices.size()) - 1));
  if (!stored.ok()) return stored.status();
  for (size_t i = 0; i < slices.size(); ++i) {
    const absl::Time slice_time = base + absl::Microseconds(static_cast<int64_t>(i));
    auto existing = std::find_if(stored->begin(), stored->end(), [&](const StoredLogSlice& s) {
      return s.chunk_time == slice_time;
    });
    if (existing != stored->end()) {
      // A re-send must carry the bytes that were stored; anything else would be a second,
      // different history of the same log (or another writer), so it is refused, not dropped.
      if (existing->data != slices[i]) {
        return absl::InvalidArgumentError(absl::StrCat(
            "log chunk at byte offset ", chunk.offset, ": edge_logs already holds different text "
            "at chunk_time ", absl::FormatTime(slice_time), "; a re-sent chunk must carry the "
            "same bytes (was the task's log file rewritten?)"));
      }
      continue;
    }
    if (absl::Status s = edge_api_.PushLogs(chunk.key, slice_time, slices[i]); !s.ok()) return s;
    result.new_bytes += slices[i].size();
  }
  // Lag is measured against the worker's clock (chunk_time): skew between the machines shows.
  if (metrics_ != nullptr && result.new_bytes > 0) {
    metrics_->LogChunkStored(absl::Now() - chunk.chunk_time, result.new_bytes);
  }
  return result;
}

}  // namespace edgectl::controlplane
