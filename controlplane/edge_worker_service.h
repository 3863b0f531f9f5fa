// File: controlplane/edge_worker_service.h
//
// edgectl.v1.EdgeWorkerService on gRPC's callback API: a thin adapter. Every call passes the
// CallGate (validation, per-caller queue, authentication, binding of the claimed worker name to
// the authenticated one) and then converts proto <-> domain types and hands the work to the
// domain classes, which decide. Connect, PushLogs and RelayExecutionApi are reactors
// (connect_reactor.h, push_logs_reactor.h, execution_relay/relay_reactor.h), not threads, so one sidecar holds thousands of idle workers.
#ifndef EDGECTL_CONTROLPLANE_EDGE_WORKER_SERVICE_H_
#define EDGECTL_CONTROLPLANE_EDGE_WORKER_SERVICE_H_

#include "controlplane/service_collaborators.h"
#include "proto/edge_worker.grpc.pb.h"

namespace edgectl::controlplane {

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
  grpc::ServerUnaryReactor* ClaimJob(grpc::CallbackServerContext* context,
                                     const v1::JobClaim* request,
                                     v1::JobClaimReply* response) override;
  grpc::ServerUnaryReactor* ReportJobState(grpc::CallbackServerContext* context,
                                           const v1::JobStateReport* request,
                                           v1::JobStateAck* response) override;
  grpc::ServerReadReactor<v1::LogChunk>* PushLogs(grpc::CallbackServerContext* context,
                                                  v1::PushLogsReply* response) override;
  grpc::ServerUnaryReactor* GetLogfilePath(grpc::CallbackServerContext* context,
                                           const v1::JobKey* request,
                                           v1::LogfilePath* response) override;
  // The Execution API relay (execution_relay/relay_reactor.h).
  grpc::ServerBidiReactor<v1::ExecutionApiRequest, v1::ExecutionApiResponse>* RelayExecutionApi(
      grpc::CallbackServerContext* context) override;

 private:
  ServiceCollaborators c_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_EDGE_WORKER_SERVICE_H_
