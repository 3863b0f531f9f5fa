#include "controlplane/worker_registration.h"

#include <spdlog/spdlog.h>

namespace edgectl::controlplane {

absl::StatusOr<bridge::WorkerRegistrationReturn> WorkerRegistration::Register(
    const std::string& worker_name, const bridge::WorkerStateBody& body,
    const std::string& previous_instance_id) {
  absl::StatusOr<bridge::WorkerRegistrationReturn> registered =
      edge_api_.RegisterWorker(worker_name, body);
  if (registered.ok() || registered.status().code() != absl::StatusCode::kAlreadyExists ||
      previous_instance_id.empty()) {
    return registered;
  }
  absl::StatusOr<bool> released =
      store_.ReleaseStaleRegistration(worker_name, previous_instance_id);
  if (!released.ok()) return released.status();
  if (!*released) return registered;  // another live process, or the row moved on
  spdlog::warn("worker {} restarted after its process {} ended unexpectedly; taking over its "
               "registration",
               worker_name, previous_instance_id);
  registry_.End(worker_name, absl::CancelledError(
                                 "the worker restarted; this stream belonged to its predecessor"));
  return edge_api_.RegisterWorker(worker_name, body);
}

}  // namespace edgectl::controlplane
