// File: worker/grpc_sidecar_client.h
//
// SidecarClient over gRPC (edgectl.v1.EdgeWorkerService). Unary calls carry a deadline so a hung
// sidecar cannot stall the worker; the Connect stream is read by one thread per stream. Thread-
// safe. Credentials as worker/sidecar_credentials.h: plaintext only without a CA; the channel is
// rebuilt when a new stream is opened after the certificate, key or CA files changed. An error's
// `edgectl-retry-after-ms` trailer becomes the status's retry-after payload (retry_after.h).
// It also opens the Execution API relay's streams (worker/execution_relay/).
#ifndef EDGECTL_WORKER_GRPC_SIDECAR_CLIENT_H_
#define EDGECTL_WORKER_GRPC_SIDECAR_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "proto/edge_worker.grpc.pb.h"
#include "worker/execution_relay/relay_stream.h"
#include "worker/sidecar_client.h"
#include "worker/sidecar_credentials.h"

namespace edgectl::worker {

class GrpcSidecarClient : public SidecarClient, public RelayStreamFactory {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcSidecarClient>> Create(
      const std::string& address, const SidecarCredentialOptions& credentials,
      absl::Duration call_timeout);
  ~GrpcSidecarClient() override;

  absl::StatusOr<v1::RegisterResponse> Register(const v1::RegisterRequest& request) override;
  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(const v1::HeartbeatRequest& request) override;
  absl::StatusOr<v1::JobClaimReply> ClaimJob(const v1::JobClaim& claim) override;
  absl::StatusOr<v1::JobStateAck> ReportJobState(const v1::JobStateReport& report) override;
  absl::StatusOr<v1::PushLogsReply> PushLogs(const std::vector<v1::LogChunk>& chunks) override;
  absl::StatusOr<v1::PushLogsReply> PushLogsFrom(const NextChunk& next) override;
  void Connect(const v1::ConnectRequest& request, EventHandler on_event,
               EndHandler on_end) override;
  void Disconnect() override;
  // A RelayExecutionApi stream on the same channel (no deadline: it lives as long as it works).
  std::unique_ptr<RelayStream> OpenRelayStream() override;

 private:
  GrpcSidecarClient(std::string address, SidecarCredentialOptions credentials,
                    absl::Duration call_timeout);
  // (Re)builds the channel when there is none or the credential files changed.
  absl::Status RefreshChannel();
  std::shared_ptr<v1::EdgeWorkerService::Stub> stub();
  void SetDeadline(grpc::ClientContext& context) const;
  template <typename Reply, typename Call>
  absl::StatusOr<Reply> Unary(Call call);

  const std::string address_;
  const SidecarCredentialOptions credentials_;
  const absl::Duration call_timeout_;
  std::mutex channel_mutex_;
  std::shared_ptr<v1::EdgeWorkerService::Stub> stub_;  // guarded by channel_mutex_
  std::string stamp_;                                  // guarded by channel_mutex_
  std::mutex stream_mutex_;
  std::shared_ptr<grpc::ClientContext> stream_context_;
  std::thread reader_;
};

// grpc::Status -> absl::Status with the same code and message, plus the retry-after payload
// when `context` received the edgectl-retry-after-ms trailer.
absl::Status ToAbslStatus(const grpc::Status& status, const grpc::ClientContext* context = nullptr);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_GRPC_SIDECAR_CLIENT_H_
