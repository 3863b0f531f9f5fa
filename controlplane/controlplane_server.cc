#include "controlplane/controlplane_server.h"

#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "controlplane/pg_sidecar_store.h"

namespace edgectl::controlplane {
namespace {

constexpr char kServiceName[] = "edgectl.v1.EdgeWorkerService";

absl::StatusOr<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the TLS ", what, " file ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const ControlPlaneOptions& o) {
  if (o.tls_cert_file.empty()) return grpc::InsecureServerCredentials();
  absl::StatusOr<std::string> cert = ReadFile(o.tls_cert_file, "certificate");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile(o.tls_key_file, "key");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

ControlPlaneServer::ControlPlaneServer(ControlPlaneOptions options,
                                       std::shared_ptr<bridge::EdgeApi> edge_api,
                                       std::unique_ptr<SidecarStore> store, const Clock* clock)
    : options_(std::move(options)),
      clock_(clock ? *clock : system_clock_),
      edge_api_(std::move(edge_api), metrics_),
      store_(store ? std::move(store)
                   : std::make_unique<PgSidecarStore>(options_.database.libpq_dsn(),
                                                      options_.db_pool_size)),
      executor_(options_.executor_threads, options_.executor_queue),
      dispatcher_({options_.dispatch_poll_interval, options_.ack_timeout}, registry_, ledger_,
                  *store_, edge_api_, executor_, clock_, metrics_),
      job_states_(edge_api_, registry_, ledger_, clock_, metrics_),
      logs_(edge_api_, *store_, options_.push_log_chunk_size),
      watcher_(options_.state_poll_interval, options_.heartbeat_interval_seconds, registry_,
               *store_),
      service_(ServiceCollaborators{edge_api_, *store_, executor_, registry_, ledger_,
                                    dispatcher_, job_states_, logs_, watcher_,
                                    options_.heartbeat_interval_seconds}),
      metrics_http_(metrics_) {
  metrics_.SetConnectedWorkersSource([this] { return registry_.size(); });
}

ControlPlaneServer::~ControlPlaneServer() { Shutdown(); }

absl::Status ControlPlaneServer::Start() {
  if (absl::Status s = options_.Validate(); !s.ok()) return s;
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> creds = Credentials(options_);
  if (!creds.ok()) return creds.status();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen_address, *creds, &port_);
  builder.RegisterService(&service_);
  // Idle workers hold their stream for hours: keepalive pings detect dead peers (and NATs
  // dropping the connection); workers may ping every 20 s or more.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ",
                                               options_.listen_address,
                                               " (address in use?); choose --listen-address"));
  }
  if (!options_.metrics_address.empty()) {
    auto [host, port] = *SplitHostPort(options_.metrics_address);
    absl::StatusOr<int> bound = metrics_http_.Start(host, port);
    if (!bound.ok()) {
      Shutdown();
      return bound.status();
    }
    metrics_port_ = *bound;
  }
  dispatcher_.Start();
  watcher_.Start();
  health_thread_ = std::thread([this] { WatchHealth(); });
  return absl::OkStatus();
}

void ControlPlaneServer::WatchHealth() {
  bool last = false;
  bool first = true;
  for (;;) {
    const bool serving = store_->Ping().ok();
    if (first || serving != last) {
      if (!serving) spdlog::warn("health: the database does not answer; NOT_SERVING");
      server_->GetHealthCheckService()->SetServingStatus(serving);
      server_->GetHealthCheckService()->SetServingStatus(kServiceName, serving);
      last = serving;
      first = false;
    }
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Seconds(2))) return;
  }
}

void ControlPlaneServer::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (health_thread_.joinable()) health_thread_.join();
  dispatcher_.Stop();
  watcher_.Stop();
  if (server_) {
    registry_.CancelAll();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    server_->Wait();
  }
  executor_.Shutdown();
  metrics_http_.Stop();
}

}  // namespace edgectl::controlplane
