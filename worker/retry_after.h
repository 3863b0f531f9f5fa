// File: worker/retry_after.h
//
// The sidecar's pacing hint (proto/edge_worker.proto, "Pacing"): an UNAVAILABLE or
// RESOURCE_EXHAUSTED answer may carry the trailing metadata `edgectl-retry-after-ms`. The gRPC
// client attaches it to the absl::Status it returns as a payload, so the code that decides when
// to try again (SidecarLink, the call lanes) needs no gRPC.
#ifndef EDGECTL_WORKER_RETRY_AFTER_H_
#define EDGECTL_WORKER_RETRY_AFTER_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace edgectl::worker {

// Longest delay honoured: a broken or hostile value cannot park the worker for long.
inline constexpr absl::Duration kMaxRetryAfter = absl::Minutes(5);

absl::Status WithRetryAfter(absl::Status status, absl::Duration delay);
// The delay the sidecar asked for (capped at kMaxRetryAfter), nullopt when it sent none.
std::optional<absl::Duration> RetryAfterOf(const absl::Status& status);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_RETRY_AFTER_H_
