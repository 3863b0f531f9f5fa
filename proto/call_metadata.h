// File: proto/call_metadata.h
//
// Call metadata of the worker <-> sidecar contract that protobuf cannot declare (see the
// "Identity" and "Pacing" notes in edge_worker.proto): one definition for both sides.
#ifndef EDGECTL_PROTO_CALL_METADATA_H_
#define EDGECTL_PROTO_CALL_METADATA_H_

namespace edgectl::v1 {

// Trailing metadata of an UNAVAILABLE / RESOURCE_EXHAUSTED answer: milliseconds to wait before
// trying that call again (decimal).
inline constexpr char kRetryAfterMetadata[] = "edgectl-retry-after-ms";

}  // namespace edgectl::v1

#endif  // EDGECTL_PROTO_CALL_METADATA_H_
