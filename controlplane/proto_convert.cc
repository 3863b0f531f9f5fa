#include "controlplane/proto_convert.h"

namespace edgectl::controlplane {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

bridge::JobKey FromProto(const v1::JobKey& key) {
  bridge::JobKey k;
  k.dag_id = key.dag_id();
  k.task_id = key.task_id();
  k.run_id = key.run_id();
  k.try_number = key.try_number();
  k.map_index = key.map_index();
  k.task_instance_id = key.task_instance_id();
  return k;
}

void ToProto(const bridge::JobKey& key, v1::JobKey* out) {
  out->set_dag_id(key.dag_id);
  out->set_task_id(key.task_id);
  out->set_run_id(key.run_id);
  out->set_try_number(key.try_number);
  out->set_map_index(key.map_index);
  out->set_task_instance_id(key.task_instance_id);
}

std::optional<std::vector<std::string>> FromProto(const v1::QueueList* queues) {
  if (queues == nullptr) return std::nullopt;
  return std::vector<std::string>(queues->names().begin(), queues->names().end());
}

void ToProto(const std::optional<std::vector<std::string>>& queues, bool* has,
             v1::QueueList* out) {
  *has = queues.has_value();
  if (!queues) return;
  for (const std::string& q : *queues) out->add_names(q);
}

bridge::WorkerStateBody FromProto(const v1::WorkerStateBody& body) {
  bridge::WorkerStateBody b;
  b.state = body.state();
  b.jobs_active = body.jobs_active();
  b.queues = FromProto(body.has_queues() ? &body.queues() : nullptr);
  for (const auto& [key, value] : body.sysinfo()) {
    switch (value.kind_case()) {
      case v1::SysinfoValue::kStringValue: b.sysinfo[key] = value.string_value(); break;
      case v1::SysinfoValue::kIntValue: b.sysinfo[key] = value.int_value(); break;
      case v1::SysinfoValue::kDoubleValue: b.sysinfo[key] = value.double_value(); break;
      default: break;
    }
  }
  if (body.has_maintenance_comments()) b.maintenance_comments = body.maintenance_comments();
  if (body.has_team_name()) b.team_name = body.team_name();
  return b;
}

void ToProto(const WorkerView& view, v1::HeartbeatResponse* out) {
  out->set_state(view.state.state);
  bool has_queues = false;
  v1::QueueList queues;
  ToProto(view.state.queues, &has_queues, &queues);
  if (has_queues) *out->mutable_queues() = std::move(queues);
  if (view.state.maintenance_comments) {
    out->set_maintenance_comments(*view.state.maintenance_comments);
  }
  if (view.state.concurrency) out->set_concurrency(*view.state.concurrency);
  out->set_versions_match(view.state.versions_match);
  out->set_heartbeat_interval_seconds(view.heartbeat_interval_seconds);
}

void ToProto(const WorkerEvent& event, v1::ServerEvent* out) {
  switch (event.kind) {
    case WorkerEvent::Kind::kJob: {
      v1::Job* job = out->mutable_job();
      ToProto(event.job.key, job->mutable_key());
      job->set_command(event.job.command);
      job->set_concurrency_slots(event.job.concurrency_slots);
      job->set_dispatch_id(event.dispatch_id);
      break;
    }
    case WorkerEvent::Kind::kStateChange:
      ToProto(event.view, out->mutable_state_change());
      break;
    case WorkerEvent::Kind::kWelcome:
      ToProto(event.view, out->mutable_welcome());
      break;
  }
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

void IsoToProto(const std::string& iso, google::protobuf::Timestamp* out) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, iso, &t, &err)) {
    // Airflow may omit the offset for UTC.
    if (!absl::ParseTime("%Y-%m-%dT%H:%M:%E*S", iso, absl::UTCTimeZone(), &t, &err)) return;
  }
  const int64_t micros = absl::ToUnixMicros(t);
  out->set_seconds(micros / 1000000 - (micros % 1000000 < 0 ? 1 : 0));
  out->set_nanos(static_cast<int32_t>(((micros % 1000000) + 1000000) % 1000000) * 1000);
}

}  // namespace edgectl::controlplane
