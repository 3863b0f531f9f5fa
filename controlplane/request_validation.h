// File: controlplane/request_validation.h
//
// Checks on what a worker sends, made before any work (no database, no REST call): the protocol
// version this sidecar speaks (FAILED_PRECONDITION: upgrade one side), and limits on every field
// (INVALID_ARGUMENT: fix the worker's configuration). Strings have edge3's column limits (names
// 64, queues 256, dag/task/run ids 250 characters, comments 1024) and edgectl's own for the rest;
// names with NUL, control characters or invalid UTF-8 are refused, never truncated; offsets and
// sequence numbers are range-checked so nothing wraps. Messages quote at most a short prefix of
// the offending value (auth::QuotePrefix).
#ifndef EDGECTL_CONTROLPLANE_REQUEST_VALIDATION_H_
#define EDGECTL_CONTROLPLANE_REQUEST_VALIDATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proto/edge_worker.pb.h"

namespace edgectl::controlplane {

// Largest file offset a log chunk may carry (2^50 bytes = 1 PiB): far beyond any log, far from
// wrapping when the chunk's length is added.
inline constexpr uint64_t kMaxLogOffset = uint64_t{1} << 50;
// Largest sequence number (edge3 has none; ours count reports of one worker process).
inline constexpr uint64_t kMaxSequence = uint64_t{1} << 62;

absl::Status ValidateProtocolVersion(v1::ProtocolVersion version);
absl::Status ValidateWorkerName(const std::string& worker_name);
absl::Status ValidateQueues(const std::optional<std::vector<std::string>>& queues);

absl::Status ValidateStateBody(const v1::WorkerStateBody& body);
absl::Status ValidateJobKey(const v1::JobKey& key);
absl::Status ValidateRegister(const v1::RegisterRequest& request);
absl::Status ValidateHeartbeat(const v1::HeartbeatRequest& request);
absl::Status ValidateConnect(const v1::ConnectRequest& request);
absl::Status ValidateClaim(const v1::JobClaim& claim);
absl::Status ValidateJobStateReport(const v1::JobStateReport& report);
// `max_data_bytes`: the sidecar's largest accepted chunk.
absl::Status ValidateLogChunk(const v1::LogChunk& chunk, size_t max_data_bytes);

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_REQUEST_VALIDATION_H_
