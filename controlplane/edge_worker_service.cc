#include "controlplane/edge_worker_service.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <map>
#include <memory>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/edge_states.h"
#include "controlplane/connect_stream.h"
#include "controlplane/proto_convert.h"
#include "controlplane/request_validation.h"

namespace edgectl::controlplane {
namespace {

absl::Status FirstError(std::initializer_list<absl::Status> checks) {
  for (const absl::Status& s : checks) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

QueueSet QueuesOf(const v1::WorkerStateBody& body) {
  return FromProto(body.has_queues() ? &body.queues() : nullptr);
}

// Connect: validates, then (on the executor) reads the worker's row, sends the welcome and
// attaches the session. Deletes itself when gRPC is done with the call.
class ConnectReactor final : public grpc::ServerWriteReactor<v1::ServerEvent> {
 public:
  ConnectReactor(grpc::CallbackServerContext* context, const v1::ConnectRequest& request,
                 ServiceCollaborators c)
      : c_(c), name_(request.worker_name()),
        stream_(std::make_shared<ConnectStream>(this, context)) {
    absl::Status valid = FirstError(
        {ValidateWorkerName(name_),
         ValidateQueues(FromProto(request.has_queues() ? &request.queues() : nullptr))});
    if (!valid.ok()) {
      stream_->Finish(ToGrpcStatus(valid));
      return;
    }
    std::vector<bridge::JobKey> running;
    for (const v1::JobKey& k : request.running_jobs()) running.push_back(FromProto(k));
    const int free = request.free_concurrency();
    const uint64_t order = next_connect_order_.fetch_add(1);
    absl::Status submitted = c_.executor.Submit(
        [c = c_, name = name_, stream = stream_, running, free, order] {
          Attach(c, name, stream, running, free, order);
        });
    if (!submitted.ok()) stream_->Finish(ToGrpcStatus(submitted));
  }

  void OnWriteDone(bool ok) override { stream_->OnWriteDone(ok); }
  void OnCancel() override { stream_->OnCancel(); }
  void OnDone() override {
    const uint64_t session = stream_->OnDone();
    if (session != 0) c_.registry.Detach(name_, session);
    delete this;
  }

 private:
  static void Attach(ServiceCollaborators c, const std::string& name,
                     const std::shared_ptr<ConnectStream>& stream,
                     const std::vector<bridge::JobKey>& running, int free, uint64_t order) {
    absl::StatusOr<std::optional<WorkerRow>> row = c.store.GetWorker(name);
    if (!row.ok()) {
      stream->Finish(ToGrpcStatus(row.status()));
      return;
    }
    if (!row->has_value()) {
      stream->Finish(grpc::Status(
          grpc::StatusCode::NOT_FOUND,
          absl::StrCat("worker ", name, " is not registered; call Register first")));
      return;
    }
    const WorkerView view = ViewOfRow(**row, c.heartbeat_interval_seconds);
    WorkerEvent welcome;
    welcome.kind = WorkerEvent::Kind::kWelcome;
    welcome.view = view;
    stream->Send(std::move(welcome), [](bool) {});
    // Jobs the worker says it runs are acknowledged, even if the ack itself was lost.
    for (const bridge::JobKey& key : running) c.ledger.Acknowledge(name, 0, key);
    c.watcher.Observe(name, view.state);
    const uint64_t session =
        c.registry.Attach(name, order, free, (*row)->queues, (*row)->state, stream);
    if (session == 0) {
      stream->Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                                  "superseded by a newer Connect of the same worker"));
      return;
    }
    if (!stream->SetSession(session)) {
      c.registry.Detach(name, session);
      return;
    }
    spdlog::info("worker {} connected ({} free slots)", name, free);
    c.dispatcher.Wake();
  }

  static inline std::atomic<uint64_t> next_connect_order_{1};

  ServiceCollaborators c_;
  const std::string name_;
  std::shared_ptr<ConnectStream> stream_;
};

// PushLogs: stores one chunk at a time on the executor (so a fast worker cannot queue
// unbounded work), then reads the next; replies with the stored offset per job.
class PushLogsReactor final : public grpc::ServerReadReactor<v1::LogChunk> {
 public:
  PushLogsReactor(ServiceCollaborators c, v1::PushLogsReply* reply) : c_(c), reply_(reply) {
    StartRead(&chunk_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      FillReply();
      Finish(grpc::Status::OK);
      return;
    }
    if (absl::Status valid = ValidateWorkerName(chunk_.worker_name()); !valid.ok()) {
      Finish(ToGrpcStatus(valid));
      return;
    }
    LogChunk chunk;
    chunk.key = FromProto(chunk_.key());
    chunk.offset = chunk_.offset();
    chunk.data = std::move(*chunk_.mutable_data());
    chunk.chunk_time = FromProto(chunk_.chunk_time());
    absl::Status submitted = c_.executor.Submit([this, chunk = std::move(chunk)] {
      absl::StatusOr<uint64_t> stored = c_.logs.Store(chunk);
      if (!stored.ok()) {
        Finish(ToGrpcStatus(stored.status()));
        return;
      }
      Record(chunk.key, *stored);
      StartRead(&chunk_);
    });
    if (!submitted.ok()) Finish(ToGrpcStatus(submitted));
  }

  void OnDone() override { delete this; }

 private:
  using Id = std::tuple<std::string, std::string, std::string, int, int, std::string>;

  void Record(const bridge::JobKey& k, uint64_t offset) {
    auto [it, inserted] = stored_.try_emplace(
        Id{k.dag_id, k.task_id, k.run_id, k.try_number, k.map_index, k.task_instance_id}, k,
        offset);
    if (!inserted) it->second.second = std::max(it->second.second, offset);
  }

  void FillReply() {
    for (const auto& entry : stored_) {
      v1::LogOffset* o = reply_->add_stored();
      ToProto(entry.second.first, o->mutable_key());
      o->set_offset(entry.second.second);
    }
  }

  ServiceCollaborators c_;
  v1::PushLogsReply* reply_;
  v1::LogChunk chunk_;
  std::map<Id, std::pair<bridge::JobKey, uint64_t>> stored_;
};

}  // namespace

grpc::ServerUnaryReactor* EdgeWorkerService::FinishOnExecutor(
    grpc::CallbackServerContext* context, const absl::Status& precheck,
    std::function<absl::Status()> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!precheck.ok()) {
    reactor->Finish(ToGrpcStatus(precheck));
    return reactor;
  }
  absl::Status submitted =
      c_.executor.Submit([reactor, work = std::move(work)] {
        reactor->Finish(ToGrpcStatus(work()));
      });
  if (!submitted.ok()) reactor->Finish(ToGrpcStatus(submitted));
  return reactor;
}

grpc::ServerUnaryReactor* EdgeWorkerService::Register(grpc::CallbackServerContext* context,
                                                      const v1::RegisterRequest* request,
                                                      v1::RegisterResponse* response) {
  const absl::Status precheck =
      FirstError({ValidateProtocolVersion(request->protocol_version()),
                  ValidateWorkerName(request->worker_name()),
                  ValidateQueues(QueuesOf(request->body()))});
  return FinishOnExecutor(context, precheck, [this, request, response]() -> absl::Status {
    absl::StatusOr<bridge::WorkerRegistrationReturn> registered =
        c_.edge_api.RegisterWorker(request->worker_name(), FromProto(request->body()));
    if (!registered.ok()) return registered.status();
    IsoToProto(registered->last_update, response->mutable_last_update());
    response->set_versions_match(registered->versions_match);
    response->set_server_protocol_version(v1::PROTOCOL_VERSION_1);
    response->set_heartbeat_interval_seconds(c_.heartbeat_interval_seconds);
    spdlog::info("worker {} registered (state {})", request->worker_name(),
                 request->body().state());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* EdgeWorkerService::Heartbeat(grpc::CallbackServerContext* context,
                                                       const v1::HeartbeatRequest* request,
                                                       v1::HeartbeatResponse* response) {
  const absl::Status precheck = FirstError(
      {ValidateWorkerName(request->worker_name()), ValidateQueues(QueuesOf(request->body()))});
  return FinishOnExecutor(context, precheck, [this, request, response]() -> absl::Status {
    const std::string& name = request->worker_name();
    absl::StatusOr<bridge::WorkerSetStateReturn> reply =
        c_.edge_api.SetState(name, FromProto(request->body()));
    if (!reply.ok()) return reply.status();
    c_.registry.UpdateView(name, reply->state, reply->queues);
    c_.registry.UpdateFreeConcurrency(name, request->free_concurrency());
    c_.watcher.Observe(name, *reply);
    ToProto(WorkerView{*reply, c_.heartbeat_interval_seconds}, response);
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<v1::ServerEvent>* EdgeWorkerService::Connect(
    grpc::CallbackServerContext* context, const v1::ConnectRequest* request) {
  return new ConnectReactor(context, *request, c_);
}

grpc::ServerUnaryReactor* EdgeWorkerService::ReportJobState(grpc::CallbackServerContext* context,
                                                            const v1::JobStateReport* request,
                                                            v1::JobStateAck* response) {
  return FinishOnExecutor(
      context, ValidateWorkerName(request->worker_name()),
      [this, request, response]() -> absl::Status {
        JobStateReport report{request->worker_name(), FromProto(request->key()),
                              request->state(),       request->sequence(),
                              request->dispatch_id(), request->free_concurrency()};
        absl::StatusOr<JobStateAck> ack = c_.job_states.Report(report);
        if (!ack.ok()) return ack.status();
        response->set_applied_sequence(ack->applied_sequence);
        response->set_duplicate(ack->duplicate);
        if (report.state != states::kJobRunning) c_.dispatcher.Wake();  // slots freed
        return absl::OkStatus();
      });
}

grpc::ServerReadReactor<v1::LogChunk>* EdgeWorkerService::PushLogs(
    grpc::CallbackServerContext* context, v1::PushLogsReply* response) {
  (void)context;
  return new PushLogsReactor(c_, response);
}

grpc::ServerUnaryReactor* EdgeWorkerService::GetLogfilePath(grpc::CallbackServerContext* context,
                                                            const v1::JobKey* request,
                                                            v1::LogfilePath* response) {
  return FinishOnExecutor(context, absl::OkStatus(), [this, request, response]() -> absl::Status {
    absl::StatusOr<std::string> path = c_.edge_api.LogfilePath(FromProto(*request));
    if (!path.ok()) return path.status();
    response->set_path(*path);
    return absl::OkStatus();
  });
}

}  // namespace edgectl::controlplane
