// File: worker/log_shipper.h
//
// Sends the pending chunks of many jobs' LogTailers in one PushLogs call (batching keeps a chatty
// task from costing one call per line) and applies the reply's per-job stored offsets. A failed
// call leaves every chunk pending, unchanged, for the next attempt.
#ifndef EDGECTL_WORKER_LOG_SHIPPER_H_
#define EDGECTL_WORKER_LOG_SHIPPER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proto/edge_worker.pb.h"
#include "worker/log_tailer.h"
#include "worker/sidecar_client.h"

namespace edgectl::worker {

struct JobLog {
  const v1::JobKey* key;
  LogTailer* tailer;
};

// True when both keys name the same job.
bool SameJob(const v1::JobKey& a, const v1::JobKey& b);

class LogShipper {
 public:
  LogShipper(std::string worker_name, size_t max_batch_bytes)
      : worker_name_(std::move(worker_name)), max_batch_bytes_(max_batch_bytes) {}

  // One PushLogs call with as many pending chunks as fit in a batch (at least one).
  absl::Status ShipOnce(SidecarClient& client, const std::vector<JobLog>& logs);

 private:
  std::string worker_name_;
  size_t max_batch_bytes_;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_LOG_SHIPPER_H_
