// File: controlplane/service_collaborators.h
//
// The domain objects EdgeWorkerService and its stream reactors forward to (all owned by
// ControlPlaneServer, which outlives every call).
#ifndef EDGECTL_CONTROLPLANE_SERVICE_COLLABORATORS_H_
#define EDGECTL_CONTROLPLANE_SERVICE_COLLABORATORS_H_

#include <cstddef>

#include "bridge/edge_api.h"
#include "controlplane/call_gate.h"
#include "controlplane/dispatch_ledger.h"
#include "controlplane/execution_relay/relay_service.h"
#include "controlplane/executor.h"
#include "controlplane/job_claims.h"
#include "controlplane/job_dispatcher.h"
#include "controlplane/job_state_relay.h"
#include "controlplane/log_relay.h"
#include "controlplane/sidecar_store.h"
#include "controlplane/worker_limits.h"
#include "controlplane/worker_registration.h"
#include "controlplane/worker_registry.h"
#include "controlplane/worker_state_watcher.h"

namespace edgectl::controlplane {

struct ServiceCollaborators {
  bridge::EdgeApi& edge_api;
  SidecarStore& store;
  Executor& executor;
  CallGate& gate;
  WorkerLimits& limits;
  WorkerRegistry& registry;
  WorkerRegistration& registration;
  DispatchLedger& ledger;
  JobDispatcher& dispatcher;
  JobClaims& claims;
  JobStateRelay& job_states;
  LogRelay& logs;
  WorkerStateWatcher& watcher;
  int heartbeat_interval_seconds;
  size_t max_log_chunk_bytes;
  ExecutionRelayService* execution_relay = nullptr;  // nullptr: RelayExecutionApi unimplemented
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_SERVICE_COLLABORATORS_H_
