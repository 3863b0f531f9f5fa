// File: controlplane/request_validation.h
//
// Checks on what a worker sends before anything reaches Airflow: the protocol version this
// sidecar speaks (FAILED_PRECONDITION: upgrade one side), and edge3's limits on names
// (INVALID_ARGUMENT: fix the worker's configuration). Messages name the limit and the value.
#ifndef EDGECTL_CONTROLPLANE_REQUEST_VALIDATION_H_
#define EDGECTL_CONTROLPLANE_REQUEST_VALIDATION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proto/edge_worker.pb.h"

namespace edgectl::controlplane {

absl::Status ValidateProtocolVersion(v1::ProtocolVersion version);
absl::Status ValidateWorkerName(const std::string& worker_name);
absl::Status ValidateQueues(const std::optional<std::vector<std::string>>& queues);

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_REQUEST_VALIDATION_H_
