#include "controlplane/edge_worker_service.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "common/edge_states.h"
#include "controlplane/connect_reactor.h"
#include "controlplane/execution_relay/relay_reactor.h"
#include "controlplane/proto_convert.h"
#include "controlplane/push_logs_reactor.h"
#include "controlplane/request_validation.h"

namespace edgectl::controlplane {

grpc::ServerUnaryReactor* EdgeWorkerService::Register(grpc::CallbackServerContext* context,
                                                      const v1::RegisterRequest* request,
                                                      v1::RegisterResponse* response) {
  return c_.gate.Unary(
      context, "Register", request->worker_name(), ValidateRegister(*request),
      [this, request, response](const auth::Identity& who) -> absl::Status {
        absl::StatusOr<bridge::WorkerRegistrationReturn> registered = c_.registration.Register(
            who.worker_name, FromProto(request->body()), request->previous_instance_id());
        if (!registered.ok()) return registered.status();
        IsoToProto(registered->last_update, response->mutable_last_update());
        response->set_versions_match(registered->versions_match);
        response->set_server_protocol_version(v1::PROTOCOL_VERSION_2);
        response->set_heartbeat_interval_seconds(c_.heartbeat_interval_seconds);
        spdlog::info("worker {} registered (state {}, authenticated by {} from {})",
                     who.worker_name, request->body().state(), auth::AuthMethodName(who.method),
                     who.peer);
        return absl::OkStatus();
      },
      /*admission_limited=*/true);
}

grpc::ServerUnaryReactor* EdgeWorkerService::Heartbeat(grpc::CallbackServerContext* context,
                                                       const v1::HeartbeatRequest* request,
                                                       v1::HeartbeatResponse* response) {
  return c_.gate.Unary(
      context, "Heartbeat", request->worker_name(), ValidateHeartbeat(*request),
      [this, request, response](const auth::Identity& who) -> absl::Status {
        absl::StatusOr<bridge::WorkerSetStateReturn> reply =
            c_.edge_api.SetState(who.worker_name, FromProto(request->body()));
        if (!reply.ok()) return reply.status();
        c_.registry.UpdateView(who.worker_name, reply->state, reply->queues);
        c_.registry.UpdateFreeConcurrency(who.worker_name, request->free_concurrency());
        c_.watcher.Observe(who.worker_name, *reply);
        ToProto(WorkerView{*reply, c_.heartbeat_interval_seconds}, response);
        return absl::OkStatus();
      });
}

grpc::ServerWriteReactor<v1::ServerEvent>* EdgeWorkerService::Connect(
    grpc::CallbackServerContext* context, const v1::ConnectRequest* request) {
  return new ConnectReactor(context, *request, c_);
}

grpc::ServerUnaryReactor* EdgeWorkerService::ClaimJob(grpc::CallbackServerContext* context,
                                                      const v1::JobClaim* request,
                                                      v1::JobClaimReply* response) {
  return c_.gate.Unary(
      context, "ClaimJob", request->worker_name(), ValidateClaim(*request),
      [this, request, response](const auth::Identity& who) -> absl::Status {
        // The worker's slots once this claim is decided (the claimed job counted as taken): the
        // dispatcher's estimate follows at once, and a stalled worker is live again. Until the
        // claim settles its pending dispatch, that job's slots are counted twice: conservative.
        c_.registry.UpdateFreeConcurrency(who.worker_name, request->free_concurrency());
        const bridge::JobKey key = FromProto(request->key());
        absl::StatusOr<ClaimResult> result =
            request->decline()
                ? c_.claims.Decline(who.worker_name, key, request->dispatch_id())
                : c_.claims.Claim(who.worker_name, key, request->dispatch_id());
        if (!result.ok()) return result.status();
        response->set_granted(result->granted);
        if (!result->granted) {
          response->set_current_state(result->state);
          response->set_current_worker(result->worker);
          c_.dispatcher.Wake();  // the slot the job would have used is free
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* EdgeWorkerService::ReportJobState(grpc::CallbackServerContext* context,
                                                            const v1::JobStateReport* request,
                                                            v1::JobStateAck* response) {
  return c_.gate.Unary(
      context, "ReportJobState", request->worker_name(), ValidateJobStateReport(*request),
      [this, request, response](const auth::Identity& who) -> absl::Status {
        JobStateReport report{who.worker_name,       FromProto(request->key()),
                              request->state(),      request->sequence(),
                              request->dispatch_id(), request->free_concurrency()};
        absl::StatusOr<JobStateAck> ack = c_.job_states.Report(report);
        if (!ack.ok()) return ack.status();
        response->set_applied_sequence(ack->applied_sequence);
        response->set_duplicate(ack->duplicate);
        response->set_superseded(ack->superseded);
        response->set_current_state(ack->current_state);
        if (report.state != states::kJobRunning) c_.dispatcher.Wake();  // slots freed
        return absl::OkStatus();
      });
}

grpc::ServerReadReactor<v1::LogChunk>* EdgeWorkerService::PushLogs(
    grpc::CallbackServerContext* context, v1::PushLogsReply* response) {
  return new PushLogsReactor(context, c_, response);
}

grpc::ServerUnaryReactor* EdgeWorkerService::GetLogfilePath(grpc::CallbackServerContext* context,
                                                            const v1::JobKey* request,
                                                            v1::LogfilePath* response) {
  // The request names no worker: it is bound through the job, which must be the caller's.
  return c_.gate.Unary(
      context, "GetLogfilePath", "", ValidateJobKey(*request),
      [this, request, response](const auth::Identity& who) -> absl::Status {
        const bridge::JobKey key = FromProto(*request);
        absl::StatusOr<std::optional<JobRow>> job = c_.store.GetJob(key);
        if (!job.ok()) return job.status();
        if (!job->has_value()) {
          return absl::NotFoundError(absl::StrCat("job ", DescribeJob(key), " is not in edge_job"));
        }
        if ((*job)->edge_worker != who.worker_name) {
          return absl::PermissionDeniedError(absl::StrCat(
              "job ", DescribeJob(key), " is not held by worker ", who.worker_name));
        }
        absl::StatusOr<std::string> path = c_.edge_api.LogfilePath(key);
        if (!path.ok()) return path.status();
        response->set_path(*path);
        return absl::OkStatus();
      });
}

grpc::ServerBidiReactor<v1::ExecutionApiRequest, v1::ExecutionApiResponse>*
EdgeWorkerService::RelayExecutionApi(grpc::CallbackServerContext* context) {
  return new RelayReactor(context, c_.gate, c_.execution_relay);
}

}  // namespace edgectl::controlplane
