#include "controlplane/log_relay.h"

#include <algorithm>
#include <vector>

#include "controlplane/log_text.h"

namespace edgectl::controlplane {

absl::StatusOr<uint64_t> LogRelay::Store(const LogChunk& chunk) {
  const uint64_t end = chunk.offset + chunk.data.size();
  // edge_logs keeps microseconds: a finer chunk_time would never match its stored row.
  const absl::Time base = absl::FromUnixMicros(absl::ToUnixMicros(chunk.chunk_time));
  const std::vector<std::string> slices =
      SplitIntoSlices(DecodeLogBytes(chunk.data), slice_chars_);
  if (slices.empty()) return end;
  absl::StatusOr<std::vector<absl::Time>> stored = store_.LogChunkTimes(
      chunk.key, base, base + absl::Microseconds(static_cast<int64_t>(slices.size()) - 1));
  if (!stored.ok()) return stored.status();
  for (size_t i = 0; i < slices.size(); ++i) {
    const absl::Time slice_time = base + absl::Microseconds(static_cast<int64_t>(i));
    if (std::find(stored->begin(), stored->end(), slice_time) != stored->end()) continue;
    if (absl::Status s = edge_api_.PushLogs(chunk.key, slice_time, slices[i]); !s.ok()) return s;
  }
  return end;
}

}  // namespace edgectl::controlplane
