// File: controlplane/log_relay.h
//
// PushLogs (protocol contract §7): converts a chunk's raw bytes to edge3's text
// (log_text.h), splits it into slices of [edge] push_log_chunk_size characters, slice i with
// log_chunk_time = chunk_time + i µs, and calls EdgeApi::PushLogs for every slice that edge_logs
// does not already hold (one query per chunk), so a worker re-sending unacknowledged chunks after
// a failure doubles nothing. Returns the file offset up to which the job's bytes are stored.
// Blocking: call on the executor.
#ifndef EDGECTL_CONTROLPLANE_LOG_RELAY_H_
#define EDGECTL_CONTROLPLANE_LOG_RELAY_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bridge/edge_api.h"
#include "controlplane/metrics.h"
#include "controlplane/sidecar_store.h"

namespace edgectl::controlplane {

struct LogChunk {
  bridge::JobKey key;
  uint64_t offset = 0;
  std::string data;
  absl::Time chunk_time;
};

struct LogStoreResult {
  uint64_t stored_until = 0;  // file offset up to which the job's bytes are stored
  uint64_t new_bytes = 0;     // bytes this call sent to Airflow (0 for a pure re-send)
};

class LogRelay {
 public:
  // `metrics` (may be null) is told each chunk's new bytes and lag.
  LogRelay(bridge::EdgeApi& edge_api, SidecarStore& store, size_t slice_chars,
           Metrics* metrics = nullptr)
      : edge_api_(edge_api), store_(store), slice_chars_(slice_chars), metrics_(metrics) {}

  // INVALID_ARGUMENT when edge_logs holds different text at one of the chunk's times.
  // Takes the chunk by value: its bytes become the text without a copy when they are valid
  // UTF-8 without NUL (the usual case).
  absl::StatusOr<LogStoreResult> Store(LogChunk chunk);

 private:
  bridge::EdgeApi& edge_api_;
  SidecarStore& store_;
  const size_t slice_chars_;
  Metrics* const metrics_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_LOG_RELAY_H_
