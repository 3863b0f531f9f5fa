// File: controlplane/edge_worker_service.h
//
// edgectl.v1.EdgeWorkerService on gRPC's callback API: a thin adapter. Reactions only validate,
// convert proto <-> domain types and hand blocking work (REST calls to Airflow, PostgreSQL
// queries) to the Executor; the domain classes decide. Connect streams are reactors, not
// threads, so one sidecar holds thousands of idle workers. When the executor is full a call
// fails with UNAVAILABLE (the worker retries with backoff).
#ifndef EDGECTL_CONTROLPLANE_EDGE_WORKER_SERVICE_H_
#define EDGECTL_CONTROLPLANE_EDGE_WORKER_SERVICE_H_

#include <functional>

#include "absl/status/status.h"
#include "bridge/edge_api.h"
#include "controlplane/dispatch_ledger.h"
#include "controlplane/executor.h"
#include "controlplane/job_dispatcher.h"
#include "controlplane/job_state_relay.h"
#include "controlplane/log_relay.h"
#include "controlplane/sidecar_store.h"
#include "controlplane/worker_registry.h"
#include "controlplane/worker_state_watcher.h"
#include "proto/edge_worker.grpc.pb.h"

namespace edgectl::controlplane {

// The domain objects the adapter forwards to (owned by ControlPlaneServer).
struct ServiceCollaborators {
  bridge::EdgeApi& edge_api;
  SidecarStore& store;
  Executor& executor;
  WorkerRegistry& registry;
  DispatchLedger& ledger;
  JobDispatcher& dispatcher;
  JobStateRelay& job_states;
  LogRelay& logs;
  WorkerStateWatcher& watcher;
  int heartbeat_interval_seconds;
};

class EdgeWorkerService final : public v1::EdgeWorkerService::CallbackService {
 public:
  explicit EdgeWorkerService(ServiceCollaborators c) : c_(c) {}

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* context,
                                     const v1::RegisterRequest* request,
                                     v1::RegisterResponse* response) override;
  grpc::ServerUnaryReactor* Heartbeat(grpc::CallbackServerContext* context,
                                      const v1::HeartbeatRequest* request,
                                      v1::HeartbeatResponse* response) override;
  grpc::ServerWriteReactor<v1::ServerEvent>* Connect(grpc::CallbackServerContext* context,
                                                     const v1::ConnectRequest* request) override;
  grpc::ServerUnaryReactor* ReportJobState(grpc::CallbackServerContext* context,
                                           const v1::JobStateReport* request,
                                           v1::JobStateAck* response) override;
  grpc::ServerReadReactor<v1::LogChunk>* PushLogs(grpc::CallbackServerContext* context,
                                                  v1::PushLogsReply* response) override;
  grpc::ServerUnaryReactor* GetLogfilePath(grpc::CallbackServerContext* context,
                                           const v1::JobKey* request,
                                           v1::LogfilePath* response) override;

 private:
  // Runs `work` on the executor and finishes the call with its status.
  grpc::ServerUnaryReactor* FinishOnExecutor(grpc::CallbackServerContext* context,
                                             const absl::Status& precheck,
                                             std::function<absl::Status()> work);

  ServiceCollaborators c_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_EDGE_WORKER_SERVICE_H_
