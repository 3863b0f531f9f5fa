// File: controlplane/worker_registration.h
//
// Register (edge3: POST worker/{name}) with edgectl's restart takeover: a worker that crashed
// and starts again under the same $AIRFLOW_HOME presents the instance id its predecessor
// journaled (and has verified that process to be gone). When Airflow answers "already active"
// (409) and the row's sysinfo still names that instance, the stale row is marked as Airflow's
// own liveness check would mark it (SidecarStore::ReleaseStaleRegistration), any stream the old
// process left on this sidecar is ended, and the registration is retried once. A second live
// process cannot know its twin's instance id is dead, so it is still refused. Blocking.
#ifndef EDGECTL_CONTROLPLANE_WORKER_REGISTRATION_H_
#define EDGECTL_CONTROLPLANE_WORKER_REGISTRATION_H_

#include <string>

#include "absl/status/statusor.h"
#include "bridge/edge_api.h"
#include "controlplane/sidecar_store.h"
#include "controlplane/worker_registry.h"

namespace edgectl::controlplane {

class WorkerRegistration {
 public:
  WorkerRegistration(bridge::EdgeApi& edge_api, SidecarStore& store, WorkerRegistry& registry)
      : edge_api_(edge_api), store_(store), registry_(registry) {}

  absl::StatusOr<bridge::WorkerRegistrationReturn> Register(
      const std::string& worker_name, const bridge::WorkerStateBody& body,
      const std::string& previous_instance_id);

 private:
  bridge::EdgeApi& edge_api_;
  SidecarStore& store_;
  WorkerRegistry& registry_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_WORKER_REGISTRATION_H_
