// File: worker/execution_relay/relay_client.h
//
// ExecutionApiRelayClient carries task processes' Execution API requests to the sidecar over one
// RelayExecutionApi stream and returns each answer to its caller. Many callers at once: each
// request gets an id, a reader thread matches answers to ids, so one stream carries every
// concurrent request of this worker's tasks in any order. The stream opens on the first request
// and again on the first request after it ended, so a sidecar restart costs the requests in
// flight at that moment (they fail UNAVAILABLE: the task's own retries repeat them) and nothing
// after. Call() returns:
//   the sidecar's response             whatever HTTP status it carries (the API server's, or a
//                                      relay 502/503/504 the sidecar made);
//   UNAVAILABLE                        the stream broke or could not open (sidecar unreachable);
//   DEADLINE_EXCEEDED                  no answer within request_timeout;
//   RESOURCE_EXHAUSTED                 max_in_flight requests were waiting for longer than
//                                      request_timeout;
//   UNIMPLEMENTED / UNAUTHENTICATED /  from the sidecar as the stream's final status.
//   PERMISSION_DENIED / ...
// Thread-safe. The destructor cancels the stream and waits for its reader threads.
#ifndef EDGECTL_WORKER_EXECUTION_RELAY_RELAY_CLIENT_H_
#define EDGECTL_WORKER_EXECUTION_RELAY_RELAY_CLIENT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/edge_worker.pb.h"
#include "worker/execution_relay/relay_stream.h"

namespace edgectl::worker {

struct RelayClientOptions {
  std::string worker_name;
  int max_in_flight = 64;
  // Longer than the sidecar's own forward timeout (30 s), so its 504 arrives first.
  absl::Duration request_timeout = absl::Seconds(35);
};

class ExecutionApiRelayClient {
 public:
  ExecutionApiRelayClient(RelayStreamFactory& factory, RelayClientOptions options);
  ~ExecutionApiRelayClient();
  ExecutionApiRelayClient(const ExecutionApiRelayClient&) = delete;
  ExecutionApiRelayClient& operator=(const ExecutionApiRelayClient&) = delete;

  absl::StatusOr<v1::ExecutionApiResponse> Call(v1::ExecutionApiRequest request);
  // Fails the requests in flight and every later one with UNAVAILABLE at once (the worker is
  // stopping), without waiting for the reader.
  void Shutdown();

 private:
  struct Pending;
  struct Link;  // one stream, its writer lock and its reader

  // The open stream, opened when there is none or the last one ended.
  std::shared_ptr<Link> CurrentLink() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReadResponses(std::shared_ptr<Link> link);

  RelayStreamFactory& factory_;
  const RelayClientOptions options_;
  absl::Mutex mu_;
  std::shared_ptr<Link> link_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::shared_ptr<Pending>> pending_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int readers_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_EXECUTION_RELAY_RELAY_CLIENT_H_
