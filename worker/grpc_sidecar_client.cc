#include "worker/grpc_sidecar_client.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace edgectl::worker {

absl::Status ToAbslStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

absl::StatusOr<std::unique_ptr<GrpcSidecarClient>> GrpcSidecarClient::Create(
    const std::string& address, const std::string& tls_ca_file, absl::Duration call_timeout) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!tls_ca_file.empty()) {
    std::ifstream in(tls_ca_file);
    if (!in) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot read [edge] controlplane_tls_ca file ", tls_ca_file, ": fix the path"));
    }
    std::stringstream pem;
    pem << in.rdbuf();
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = pem.str();
    credentials = grpc::SslCredentials(options);
  }
  grpc::ChannelArguments args;
  // Notices a dead sidecar on an idle stream within ~30 s instead of waiting for TCP timeouts.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Our own Backoff paces reconnects; keep gRPC's internal one short so it does not add to it.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return std::make_unique<GrpcSidecarClient>(
      grpc::CreateCustomChannel(address, credentials, args), call_timeout);
}

GrpcSidecarClient::GrpcSidecarClient(std::shared_ptr<grpc::Channel> channel,
                                     absl::Duration call_timeout)
    : channel_(std::move(channel)),
      stub_(v1::EdgeWorkerService::NewStub(channel_)),
      call_timeout_(call_timeout) {}

GrpcSidecarClient::~GrpcSidecarClient() { Disconnect(); }

void GrpcSidecarClient::SetDeadline(grpc::ClientContext& context) const {
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(call_timeout_));
}

absl::StatusOr<v1::RegisterResponse> GrpcSidecarClient::Register(
    const v1::RegisterRequest& request) {
  grpc::ClientContext context;
  SetDeadline(context);
  v1::RegisterResponse response;
  absl::Status status = ToAbslStatus(stub_->Register(&context, request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::HeartbeatResponse> GrpcSidecarClient::Heartbeat(
    const v1::HeartbeatRequest& request) {
  grpc::ClientContext context;
  SetDeadline(context);
  v1::HeartbeatResponse response;
  absl::Status status = ToAbslStatus(stub_->Heartbeat(&context, request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::JobStateAck> GrpcSidecarClient::ReportJobState(
    const v1::JobStateReport& report) {
  grpc::ClientContext context;
  SetDeadline(context);
  v1::JobStateAck ack;
  absl::Status status = ToAbslStatus(stub_->ReportJobState(&context, report, &ack));
  if (!status.ok()) return status;
  return ack;
}

absl::StatusOr<v1::PushLogsReply> GrpcSidecarClient::PushLogs(
    const std::vector<v1::LogChunk>& chunks) {
  grpc::ClientContext context;
  SetDeadline(context);
  v1::PushLogsReply reply;
  std::unique_ptr<grpc::ClientWriter<v1::LogChunk>> writer = stub_->PushLogs(&context, &reply);
  for (const v1::LogChunk& chunk : chunks) {
    if (!writer->Write(chunk)) break;  // Finish() below reports why
  }
  writer->WritesDone();
  absl::Status status = ToAbslStatus(writer->Finish());
  if (!status.ok()) return status;
  return reply;
}

void GrpcSidecarClient::Connect(const v1::ConnectRequest& request, EventHandler on_event,
                                EndHandler on_end) {
  Disconnect();
  auto context = std::make_shared<grpc::ClientContext>();
  {
    std::lock_guard<std::mutex> lock(stream_mutex_);
    stream_context_ = context;
  }
  reader_ = std::thread([this, context, request, on_event = std::move(on_event),
                         on_end = std::move(on_end)] {
    std::unique_ptr<grpc::ClientReader<v1::ServerEvent>> reader =
        stub_->Connect(context.get(), request);
    v1::ServerEvent event;
    while (reader->Read(&event)) on_event(event);
    absl::Status status = ToAbslStatus(reader->Finish());
    if (status.ok()) status = absl::UnavailableError("the sidecar closed the event stream");
    on_end(status);
  });
}

void GrpcSidecarClient::Disconnect() {
  {
    std::lock_guard<std::mutex> lock(stream_mutex_);
    if (stream_context_ != nullptr) stream_context_->TryCancel();
    stream_context_.reset();
  }
  if (reader_.joinable()) reader_.join();
}

}  // namespace edgectl::worker
