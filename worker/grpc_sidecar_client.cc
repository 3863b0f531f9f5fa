#include "worker/grpc_sidecar_client.h"

#include "absl/strings/numbers.h"
#include "proto/call_metadata.h"
#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "worker/retry_after.h"

namespace edgectl::worker {
namespace {

class GrpcRelayStream : public RelayStream {
 public:
  explicit GrpcRelayStream(std::shared_ptr<v1::EdgeWorkerService::Stub> stub)
      : stub_(std::move(stub)), stream_(stub_->RelayExecutionApi(&context_)) {}
  bool Write(const v1::ExecutionApiRequest& request) override { return stream_->Write(request); }
  bool Read(v1::ExecutionApiResponse* response) override { return stream_->Read(response); }
  void Cancel() override { context_.TryCancel(); }
  absl::Status Finish() override { return ToAbslStatus(stream_->Finish(), &context_); }

 private:
  std::shared_ptr<v1::EdgeWorkerService::Stub> stub_;  // keeps the channel alive
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::ExecutionApiRequest, v1::ExecutionApiResponse>>
      stream_;
};

}  // namespace

absl::Status ToAbslStatus(const grpc::Status& status, const grpc::ClientContext* context) {
  if (status.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  if (context != nullptr) {
    const auto& trailers = context->GetServerTrailingMetadata();
    auto it = trailers.find(v1::kRetryAfterMetadata);
    int64_t ms = 0;
    if (it != trailers.end() &&
        absl::SimpleAtoi(absl::string_view(it->second.data(), it->second.size()), &ms) && ms >= 0) {
      out = WithRetryAfter(std::move(out), absl::Milliseconds(ms));
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<GrpcSidecarClient>> GrpcSidecarClient::Create(
    const std::string& address, const SidecarCredentialOptions& credentials,
    absl::Duration call_timeout) {
  std::unique_ptr<GrpcSidecarClient> client(
      new GrpcSidecarClient(address, credentials, call_timeout));
  if (absl::Status s = client->RefreshChannel(); !s.ok()) return s;
  return client;
}

GrpcSidecarClient::GrpcSidecarClient(std::string address, SidecarCredentialOptions credentials,
                                     absl::Duration call_timeout)
    : address_(std::move(address)),
      credentials_(std::move(credentials)),
      call_timeout_(call_timeout) {}

GrpcSidecarClient::~GrpcSidecarClient() { Disconnect(); }

absl::Status GrpcSidecarClient::RefreshChannel() {
  const std::string stamp = CredentialFilesStamp(credentials_);
  {
    std::lock_guard<std::mutex> lock(channel_mutex_);
    if (stub_ != nullptr && stamp == stamp_) return absl::OkStatus();
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      BuildChannelCredentials(credentials_);
  if (!credentials.ok()) return credentials.status();
  grpc::ChannelArguments args;
  // Notices a dead sidecar on an idle stream within ~30 s instead of waiting for TCP timeouts.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Our own Backoff paces reconnects; keep gRPC's internal one short so it does not add to it.
  // Not GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: gRPC also takes it as the connection attempt's
  // deadline, and a TLS handshake with a busy sidecar can take longer than a short one.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  auto stub = std::shared_ptr<v1::EdgeWorkerService::Stub>(
      v1::EdgeWorkerService::NewStub(grpc::CreateCustomChannel(address_, *credentials, args)));
  std::lock_guard<std::mutex> lock(channel_mutex_);
  if (stub_ != nullptr) spdlog::info("TLS files changed; reconnecting with the new credentials");
  stub_ = std::move(stub);
  stamp_ = stamp;
  return absl::OkStatus();
}

std::shared_ptr<v1::EdgeWorkerService::Stub> GrpcSidecarClient::stub() {
  std::lock_guard<std::mutex> lock(channel_mutex_);
  return stub_;
}

void GrpcSidecarClient::SetDeadline(grpc::ClientContext& context) const {
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(call_timeout_));
}

template <typename Reply, typename Call>
absl::StatusOr<Reply> GrpcSidecarClient::Unary(Call call) {
  grpc::ClientContext context;
  SetDeadline(context);
  Reply reply;
  grpc::Status status = call(*stub(), &context, &reply);
  if (!status.ok()) return ToAbslStatus(status, &context);
  return reply;
}

absl::StatusOr<v1::RegisterResponse> GrpcSidecarClient::Register(
    const v1::RegisterRequest& request) {
  return Unary<v1::RegisterResponse>([&](auto& stub, auto* context, auto* reply) {
    return stub.Register(context, request, reply);
  });
}

absl::StatusOr<v1::HeartbeatResponse> GrpcSidecarClient::Heartbeat(
    const v1::HeartbeatRequest& request) {
  return Unary<v1::HeartbeatResponse>([&](auto& stub, auto* context, auto* reply) {
    return stub.Heartbeat(context, request, reply);
  });
}

absl::StatusOr<v1::JobClaimReply> GrpcSidecarClient::ClaimJob(const v1::JobClaim& claim) {
  return Unary<v1::JobClaimReply>([&](auto& stub, auto* context, auto* reply) {
    return stub.ClaimJob(context, claim, reply);
  });
}

absl::StatusOr<v1::JobStateAck> GrpcSidecarClient::ReportJobState(
    const v1::JobStateReport& report) {
  return Unary<v1::JobStateAck>([&](auto& stub, auto* context, auto* reply) {
    return stub.ReportJobState(context, report, reply);
  });
}

absl::StatusOr<v1::PushLogsReply> GrpcSidecarClient::PushLogs(
    const std::vector<v1::LogChunk>& chunks) {
  size_t i = 0;
  return PushLogsFrom([&](v1::LogChunk& out) {
    if (i == chunks.size()) return false;
    out = chunks[i++];
    return true;
  });
}

absl::StatusOr<v1::PushLogsReply> GrpcSidecarClient::PushLogsFrom(const NextChunk& next) {
  grpc::ClientContext context;
  SetDeadline(context);
  v1::PushLogsReply reply;
  std::unique_ptr<grpc::ClientWriter<v1::LogChunk>> writer = stub()->PushLogs(&context, &reply);
  // One message, reused: Write() returns once gRPC has serialised it, and blocks while the
  // sidecar's window is full (flow control), so this holds one chunk at a time.
  v1::LogChunk chunk;
  while (next(chunk)) {
    if (!writer->Write(chunk)) break;  // Finish() below reports why
  }
  writer->WritesDone();
  absl::Status status = ToAbslStatus(writer->Finish(), &context);
  if (!status.ok()) return status;
  return reply;
}

void GrpcSidecarClient::Connect(const v1::ConnectRequest& request, EventHandler on_event,
                                EndHandler on_end) {
  Disconnect();
  if (absl::Status s = RefreshChannel(); !s.ok()) {
    // The files are unreadable right now (mid-rotation?): keep the previous channel.
    spdlog::error("Cannot re-read the TLS files: {}", std::string(s.message()));
  }
  auto context = std::make_shared<grpc::ClientContext>();
  {
    std::lock_guard<std::mutex> lock(stream_mutex_);
    stream_context_ = context;
  }
  reader_ = std::thread([stub = stub(), context, request, on_event = std::move(on_event),
                         on_end = std::move(on_end)] {
    std::unique_ptr<grpc::ClientReader<v1::ServerEvent>> reader =
        stub->Connect(context.get(), request);
    v1::ServerEvent event;
    while (reader->Read(&event)) on_event(event);
    absl::Status status = ToAbslStatus(reader->Finish(), context.get());
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

std::unique_ptr<RelayStream> GrpcSidecarClient::OpenRelayStream() {
  return std::make_unique<GrpcRelayStream>(stub());
}

}  // namespace edgectl::worker
