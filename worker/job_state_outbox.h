// File: worker/job_state_outbox.h
//
// Job state reports in the order they happened, each with its sequence number (strictly
// increasing for the worker process, protocol §6). Reports that could not be delivered because
// the sidecar is unreachable (UNAVAILABLE) or forgot the worker (NOT_FOUND) stay queued and are
// re-sent unchanged, same sequence, after the reconnect; the sidecar recognises repeats.
// Other errors (the report itself is wrong) are logged and dropped so they cannot block the queue.
#ifndef EDGECTL_WORKER_JOB_STATE_OUTBOX_H_
#define EDGECTL_WORKER_JOB_STATE_OUTBOX_H_

#include <cstdint>
#include <deque>

#include "absl/status/status.h"
#include "proto/edge_worker.pb.h"
#include "worker/sidecar_client.h"

namespace edgectl::worker {

class JobStateOutbox {
 public:
  // Assigns the next sequence number and queues the report.
  void Enqueue(v1::JobStateReport report);
  // Sends queued reports in order; stops at (and returns) the first UNAVAILABLE / NOT_FOUND.
  absl::Status Flush(SidecarClient& client);
  size_t size() const { return queue_.size(); }
  bool empty() const { return queue_.empty(); }

 private:
  uint64_t next_sequence_ = 1;
  std::deque<v1::JobStateReport> queue_;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_JOB_STATE_OUTBOX_H_
