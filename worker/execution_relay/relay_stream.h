// File: worker/execution_relay/relay_stream.h
//
// One RelayExecutionApi stream to the sidecar (edge_worker.proto), as the relay client needs it:
// one thread writes requests (the client serialises writers), one reader thread reads responses
// until Read returns false, then Finish says why the stream ended. Cancel may be called from any
// thread at any time and makes pending and later Reads and Writes return false.
// GrpcSidecarClient opens real ones; tests substitute their own.
#ifndef EDGECTL_WORKER_EXECUTION_RELAY_RELAY_STREAM_H_
#define EDGECTL_WORKER_EXECUTION_RELAY_RELAY_STREAM_H_

#include <memory>

#include "absl/status/status.h"
#include "proto/edge_worker.pb.h"

namespace edgectl::worker {

class RelayStream {
 public:
  virtual ~RelayStream() = default;
  virtual bool Write(const v1::ExecutionApiRequest& request) = 0;
  virtual bool Read(v1::ExecutionApiResponse* response) = 0;
  virtual void Cancel() = 0;
  // After Read returned false: the stream's final status (retry-after payload included).
  virtual absl::Status Finish() = 0;
};

class RelayStreamFactory {
 public:
  virtual ~RelayStreamFactory() = default;
  virtual std::unique_ptr<RelayStream> OpenRelayStream() = 0;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_EXECUTION_RELAY_RELAY_STREAM_H_
