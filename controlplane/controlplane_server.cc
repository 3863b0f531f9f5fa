#include "controlplane/controlplane_server.h"

#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/execution_api_url.h"
#include "common/tls_files.h"
#include "controlplane/maintenance_comment_relay.h"
#include "controlplane/observability/probe_routes.h"
#include "controlplane/pg_sidecar_store.h"
#include "proto/execution_relay_rules.h"

namespace edgectl::controlplane {
namespace {

constexpr char kServiceName[] = "edgectl.v1.EdgeWorkerService";

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const ControlPlaneOptions& o) {
  if (o.tls_cert_file.empty()) return grpc::InsecureServerCredentials();
  // Checked once here so a bad file is a clear start-up error; gRPC re-reads them later.
  if (absl::Status s = tls::CheckKeyPair(o.tls_cert_file, o.tls_key_file,
                                         "[edge] controlplane_tls_cert (--tls-cert)",
                                         "[edge] controlplane_tls_key (--tls-key)");
      !s.ok()) {
    return s;
  }
  // The sidecar's own certificate and key are watched: a renewed pair is picked up within the
  // reload interval without a restart (a rotation that leaves the files mismatched keeps the
  // previous pair, as gRPC's FileWatcherCertificateProvider does).
  const unsigned int interval =
      static_cast<unsigned int>(absl::ToInt64Seconds(o.tls_reload_interval));
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      o.tls_key_file, o.tls_cert_file, interval);
  grpc::experimental::TlsServerCredentialsOptions tls(provider);
  tls.watch_identity_key_cert_pairs();
  if (!o.tls_client_ca_file.empty()) {
    // The handshake asks for a client certificate (and checks the client holds its key) but
    // leaves trusting it to auth::ClientCertificateVerifier on every call: a handshake refusal
    // would reach the worker without its cause (client_certificate_verifier.h).
    tls.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(tls);
}

// Forwards relayed Execution API calls on threads and HTTP connections of its own.
std::unique_ptr<ExecutionRelayService> MakeRelay(const ControlPlaneOptions& o) {
  if (!o.execution_api_relay) return nullptr;
  bridge::CurlTransportOptions transport;
  transport.ca_bundle = o.api_ca_bundle;
  transport.connect_timeout = std::min(o.relay_timeout, absl::Seconds(10));
  transport.request_timeout = o.relay_timeout;
  transport.max_connections = static_cast<int>(o.relay_threads);
  RelayServiceOptions relay;
  relay.forward = {o.execution_api_url.empty() ? ExecutionApiUrlFromApiUrl(o.api_url)
                                               : o.execution_api_url,
                   v1::kMaxRelayBodyBytes};
  relay.threads = o.relay_threads;
  relay.running_per_worker = o.relay_running_per_worker;
  return std::make_unique<ExecutionRelayService>(
      relay, std::make_unique<bridge::CurlTransport>(transport));
}

// Memory per connected worker (bench/README.md, "Where a connected worker's memory goes"):
// an idle worker holds a TLS connection and one stream for hours, so what each costs while
// idle is what thousands of them cost.
void AddMemoryArguments(grpc::ServerBuilder& builder) {
  // TLS records of at most 4 KiB: gRPC's TLS frame protector holds a buffer of the record size
  // per connection (16 KiB by default). Throughput is unchanged for the small messages workers
  // send; a log chunk is cut into more records.
  builder.AddChannelArgument(GRPC_ARG_TSI_MAX_FRAME_SIZE, 4096);
  // Reads start at 4 KiB (gRPC grows a busy connection's reads on its own).
  builder.AddChannelArgument(GRPC_ARG_TCP_READ_CHUNK_SIZE, 4096);
  builder.AddChannelArgument(GRPC_ARG_TCP_MIN_READ_CHUNK_SIZE, 1024);
}

}  // namespace

ControlPlaneServer::ControlPlaneServer(ControlPlaneOptions options,
                                       std::shared_ptr<bridge::EdgeApi> edge_api,
                                       std::unique_ptr<SidecarStore> store, const Clock* clock)
    : options_(std::move(options)),
      clock_(clock ? *clock : system_clock_),
      edge_api_(std::make_shared<MaintenanceCommentRelay>(
                    std::move(edge_api),
                    [this](const std::string& worker_name)
                        -> absl::StatusOr<std::optional<std::string>> {
                      absl::StatusOr<std::optional<WorkerRow>> row = store_->GetWorker(worker_name);
                      if (!row.ok()) return row.status();
                      if (!row->has_value()) return std::nullopt;
                      return (*row)->maintenance_comment;
                    }),
                metrics_),
      store_(store ? std::move(store)
                   : std::make_unique<PgSidecarStore>(options_.database.libpq_dsn(),
                                                      options_.db_pool_size)),
      tokens_(dynamic_cast<auth::TokenDirectory*>(store_.get())),
      executor_(ExecutorOptions{options_.executor_threads, options_.executor_queue,
                                options_.max_queued_calls_per_worker,
                                options_.max_running_calls_per_worker}),
      refusals_(clock_, metrics_),
      certificates_(options_.tls_client_ca_file.empty()
                        ? nullptr
                        : std::make_unique<auth::ClientCertificateVerifier>(
                              options_.tls_client_ca_file, options_.tls_reload_interval)),
      authenticator_(auth::AuthPolicy{!options_.tls_client_ca_file.empty(),
                                      options_.worker_tokens,
                                      options_.insecure_allow_unauthenticated},
                     certificates_.get(), tokens_),
      gate_(authenticator_, executor_, refusals_, clock_, options_.admissions_per_second),
      limits_(WorkerLimitOptions{options_.max_log_bytes_per_sec,
                                 options_.max_log_streams_per_worker,
                                 options_.max_connects_per_worker_per_minute},
              clock_),
      registration_(edge_api_, *store_, registry_),
      dispatcher_({options_.dispatch_poll_interval, options_.ack_timeout,
                   options_.notify_poll_interval, options_.notify_idle_poll_interval},
                  registry_, ledger_, *store_, edge_api_, executor_, clock_, metrics_),
      claims_(*store_, ledger_, metrics_),
      job_states_(edge_api_, *store_, registry_, ledger_, clock_, metrics_),
      logs_(edge_api_, *store_, options_.push_log_chunk_size, &metrics_),
      watcher_(options_.state_poll_interval, options_.heartbeat_interval_seconds, registry_,
               *store_, tokens_),
      relay_(MakeRelay(options_)),
      service_(ServiceCollaborators{edge_api_, *store_, executor_, gate_, limits_, registry_,
                                    registration_, ledger_, dispatcher_, claims_, job_states_,
                                    logs_, watcher_, options_.heartbeat_interval_seconds,
                                    options_.max_message_bytes, relay_.get()}),
      probe_db_(options_.database.libpq_dsn()),
      fleet_gauges_(probe_db_, system_clock_),
      readiness_([this] { return probe_db_.Ping(); },
                 [this] { return edge_api_.Health().status(); }, system_clock_),
      metrics_http_(metrics_) {
  metrics_.SetConnectedWorkersSource([this] { return registry_.size(); });
  metrics_.scrape().AddCollector([this] { return fleet_gauges_.Collect(); });
  if (options_.dispatch_notify && !options_.database.libpq_dsn().empty()) {
    JobNotifyListenerOptions listen;
    listen.libpq_dsn = (options_.notify_database ? *options_.notify_database : options_.database)
                           .libpq_dsn();
    notify_listener_ =
        std::make_unique<JobNotifyListener>(std::move(listen), dispatcher_, &watcher_);
  }
  if (relay_ != nullptr) {
    metrics_.scrape().AddCollector([this] { return relay_->metrics().Collect(); });
  }
  metrics_http_.Mount([this](httplib::Server& server) { MountProbeRoutes(server, readiness_); });
  metrics_.SetClock(clock_);
  if (options_.fleet_page) {
    fleet_ = std::make_unique<web::FleetApi>(
        web::FleetApiOptions{options_.database.libpq_dsn()}, registry_, metrics_, clock_);
    metrics_http_.Mount([this](httplib::Server& server) { fleet_->Mount(server); });
  }
}

ControlPlaneServer::~ControlPlaneServer() { Shutdown(); }

absl::Status ControlPlaneServer::Start() {
  if (absl::Status s = options_.Validate(); !s.ok()) return s;
  if (options_.worker_tokens && tokens_ == nullptr) {
    return absl::FailedPreconditionError("this sidecar's store cannot look up worker tokens");
  }
  if (certificates_ != nullptr) {
    if (absl::Status s = certificates_->Load(); !s.ok()) return s;
  }
  // The edge3 schema decides the job key of every query: serve only a revision in the window.
  if (absl::Status s = store_->AdaptToSchema(); !s.ok()) return s;
  StartFdBudget();
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> creds = Credentials(options_);
  if (!creds.ok()) return creds.status();
  grpc::EnableDefaultHealthCheckService(true);
  // Operators can list and call the service with grpcurl / grpc_cli without the .proto file.
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen_address, *creds, &port_);
  builder.RegisterService(&service_);
  // Idle workers hold their stream for hours: keepalive pings detect dead peers (and NATs
  // dropping the connection); workers may ping every 20 s or more.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  // One connection cannot open streams without bound (a worker needs a handful at once).
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, 100);
  AddMemoryArguments(builder);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options_.max_message_bytes));
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
  spdlog::info("controlplane: workers authenticate with {}", authenticator_.policy().Describe());
  if (relay_ != nullptr) {
    spdlog::info("controlplane: relaying workers' Execution API calls to {}",
                 options_.execution_api_url.empty() ? ExecutionApiUrlFromApiUrl(options_.api_url)
                                                    : options_.execution_api_url);
  }
  WarnIfInsecure();
  dispatcher_.Start();
  if (notify_listener_ != nullptr) notify_listener_->Start();
  watcher_.Start();
  health_thread_ = std::thread([this] { WatchHealth(); });
  return absl::OkStatus();
}

void ControlPlaneServer::StartFdBudget() {
  absl::StatusOr<OpenFileLimit> raised = RaiseOpenFileLimit();
  if (!raised.ok()) {
    spdlog::warn("controlplane: {}", raised.status().ToString());
  } else if (raised->after != raised->before) {
    spdlog::info("controlplane: open file limit raised from {} to {} (the hard limit)",
                 raised->before, raised->after);
  } else {
    spdlog::info("controlplane: open file limit {} (the hard limit)", raised->after);
  }
  // The sidecar's own sockets: its PostgreSQL pool, the LISTEN session, the fleet page's
  // connection, a REST connection per executor thread and per relay thread, the metrics/page
  // HTTP server, plus files, pipes and epoll descriptors.
  FdBudgetOptions budget;
  budget.reserved = options_.db_pool_size + 2 + options_.executor_threads +
                    options_.relay_threads + 64 + 64;
  fd_budget_ = std::make_unique<FdBudget>(budget, descriptors_, clock_);
  gate_.SetFdBudget(fd_budget_.get());
  spdlog::info("controlplane: new worker streams are refused (UNAVAILABLE, retry later) beyond {}",
               fd_budget_->Describe());
}

void ControlPlaneServer::WarnIfInsecure() {
  if (!options_.insecure_allow_unauthenticated) return;
  const absl::Time now = clock_.Now();
  if (now - insecure_warned_at_ < absl::Hours(1)) return;
  insecure_warned_at_ = now;
  spdlog::warn(
      "controlplane: --insecure-allow-unauthenticated: any client that reaches {} may act as "
      "any worker it names, receive task workloads and report their states; use only on a "
      "trusted network, or give the sidecar --tls-client-ca and/or --worker-tokens",
      options_.listen_address);
}

void ControlPlaneServer::WatchHealth() {
  bool last = false;
  bool first = true;
  for (;;) {
    WarnIfInsecure();
    const bool serving = store_->Ping().ok();
    if (first || serving != last) {
      if (!serving) spdlog::warn("health: the database does not answer; NOT_SERVING");
      server_->GetHealthCheckService()->SetServingStatus(serving);
      server_->GetHealthCheckService()->SetServingStatus(kServiceName, serving);
      last = serving;
      first = false;
    }
    // A fleet that left (a network partition, a rolling restart) leaves its buffers in the heap.
    if (memory_return_.Observe(registry_.size())) {
      spdlog::info("controlplane: gave freed memory back to the system ({} workers connected)",
                   registry_.size());
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
  if (notify_listener_ != nullptr) notify_listener_->Stop();
  dispatcher_.Stop();
  watcher_.Stop();
  if (server_) {
    registry_.CancelAll();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    server_->Wait();
  }
  executor_.Shutdown();
  if (relay_ != nullptr) relay_->Shutdown();
  metrics_http_.Stop();
}

}  // namespace edgectl::controlplane
