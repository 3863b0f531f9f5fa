// File: controlplane/proto_convert.h
//
// The gRPC adapter's conversions: edgectl.v1 messages <-> the sidecar's domain types
// (bridge/edge_api.h structs, worker_event.h), and absl::Status -> grpc::Status in one place.
// The status code is kept (absl and gRPC share code numbers), so FAILED_PRECONDITION from
// Airflow's version check reaches the worker as FAILED_PRECONDITION with Airflow's detail.
#ifndef EDGECTL_CONTROLPLANE_PROTO_CONVERT_H_
#define EDGECTL_CONTROLPLANE_PROTO_CONVERT_H_

#include <grpcpp/grpcpp.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bridge/edge_api.h"
#include "controlplane/worker_event.h"
#include "proto/edge_worker.pb.h"

namespace edgectl::controlplane {

grpc::Status ToGrpcStatus(const absl::Status& status);

bridge::JobKey FromProto(const v1::JobKey& key);
void ToProto(const bridge::JobKey& key, v1::JobKey* out);

std::optional<std::vector<std::string>> FromProto(const v1::QueueList* queues);
void ToProto(const std::optional<std::vector<std::string>>& queues, bool* has,
             v1::QueueList* out);

bridge::WorkerStateBody FromProto(const v1::WorkerStateBody& body);
void ToProto(const WorkerView& view, v1::HeartbeatResponse* out);
void ToProto(const WorkerEvent& event, v1::ServerEvent* out);

absl::Time FromProto(const google::protobuf::Timestamp& t);
// Parses Airflow's ISO 8601 datetime; leaves `out` unset when it cannot.
void IsoToProto(const std::string& iso, google::protobuf::Timestamp* out);

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_PROTO_CONVERT_H_
