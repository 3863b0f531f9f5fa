// File: worker/grpc_sidecar_client.h
//
// SidecarClient over gRPC (edgectl.v1.EdgeWorkerService). Unary calls carry a deadline so a hung
// sidecar cannot stall the worker's loop; the Connect stream is read by one thread per stream.
// Plaintext by default, TLS when a CA file is given ([edge] controlplane_tls_ca).
#ifndef EDGECTL_WORKER_GRPC_SIDECAR_CLIENT_H_
#define EDGECTL_WORKER_GRPC_SIDECAR_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "proto/edge_worker.grpc.pb.h"
#include "worker/sidecar_client.h"

namespace edgectl::worker {

class GrpcSidecarClient : public SidecarClient {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcSidecarClient>> Create(const std::string& address,
                                                                    const std::string& tls_ca_file,
                                                                    absl::Duration call_timeout);
  explicit GrpcSidecarClient(std::shared_ptr<grpc::Channel> channel, absl::Duration call_timeout);
  ~GrpcSidecarClient() override;

  absl::StatusOr<v1::RegisterResponse> Register(const v1::RegisterRequest& request) override;
  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(const v1::HeartbeatRequest& request) override;
  absl::StatusOr<v1::JobStateAck> ReportJobState(const v1::JobStateReport& report) override;
  absl::StatusOr<v1::PushLogsReply> PushLogs(const std::vector<v1::LogChunk>& chunks) override;
  void Connect(const v1::ConnectRequest& request, EventHandler on_event,
               EndHandler on_end) override;
  void Disconnect() override;

 private:
  void SetDeadline(grpc::ClientContext& context) const;

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::EdgeWorkerService::Stub> stub_;
  absl::Duration call_timeout_;
  std::mutex stream_mutex_;
  std::shared_ptr<grpc::ClientContext> stream_context_;
  std::thread reader_;
};

// grpc::Status -> absl::Status with the same code and message.
absl::Status ToAbslStatus(const grpc::Status& status);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_GRPC_SIDECAR_CLIENT_H_
