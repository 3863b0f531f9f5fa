// File: controlplane/controlplane_server.h
//
// The sidecar assembled: the gRPC server (callback API, default health service), the domain
// objects (registry, dispatcher, relays, state watcher), the executor for blocking calls and the
// /metrics endpoint (with the read-only fleet page, controlplane/web/, unless options.fleet_page
// is off). The EdgeApi is wrapped in TimedEdgeApi so every REST call is measured.
// Stateless apart from live connections: any number of sidecars may share one database.
// Start() returns once the ports are bound; Shutdown() cancels worker streams and stops cleanly.
// Health: SERVING while the database answers (checked every 2 s), NOT_SERVING otherwise.
// Security (docs/ARCHITECTURE.md): the options must enable worker authentication (client CA
// and/or tokens) unless insecure_allow_unauthenticated, which is then logged at start and every
// hour.
#ifndef EDGECTL_CONTROLPLANE_CONTROLPLANE_SERVER_H_
#define EDGECTL_CONTROLPLANE_CONTROLPLANE_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "bridge/edge_api.h"
#include "controlplane/auth/authenticator.h"
#include "controlplane/call_gate.h"
#include "controlplane/clock.h"
#include "controlplane/controlplane_options.h"
#include "controlplane/dispatch_ledger.h"
#include "controlplane/edge_worker_service.h"
#include "controlplane/execution_relay/relay_service.h"
#include "controlplane/executor.h"
#include "controlplane/job_claims.h"
#include "controlplane/fd_budget.h"
#include "controlplane/job_dispatcher.h"
#include "controlplane/job_state_relay.h"
#include "controlplane/log_relay.h"
#include "controlplane/memory_return.h"
#include "controlplane/metrics.h"
#include "controlplane/metrics_http_server.h"
#include "controlplane/refusal_log.h"
#include "controlplane/sidecar_store.h"
#include "controlplane/timed_edge_api.h"
#include "controlplane/worker_limits.h"
#include "controlplane/worker_registration.h"
#include "controlplane/worker_registry.h"
#include "controlplane/worker_state_watcher.h"
#include "controlplane/observability/fleet_gauges.h"
#include "controlplane/observability/pg_probe_connection.h"
#include "controlplane/observability/readiness.h"
#include "controlplane/web/fleet_api.h"

namespace edgectl::controlplane {

class ControlPlaneServer {
 public:
  // `store` defaults to PgSidecarStore on options.database, `clock` to the system clock (it
  // must outlive the server).
  ControlPlaneServer(ControlPlaneOptions options, std::shared_ptr<bridge::EdgeApi> edge_api,
                     std::unique_ptr<SidecarStore> store = nullptr,
                     const Clock* clock = nullptr);
  ~ControlPlaneServer();

  absl::Status Start();
  void Shutdown();

  // The bound ports (after Start); metrics_port() is 0 without a metrics endpoint.
  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }
  const Metrics& metrics() const { return metrics_; }
  // The LISTEN session's backend pid (0 while down or without notifications); for tests.
  int notify_backend_pid() const {
    return notify_listener_ ? notify_listener_->backend_pid() : 0;
  }
  const WorkerStateWatcher& state_watcher() const { return watcher_; }

 private:
  void WatchHealth();
  void WarnIfInsecure();
  void StartFdBudget();

  const ControlPlaneOptions options_;
  SystemClock system_clock_;
  const Clock& clock_;
  Metrics metrics_;
  TimedEdgeApi edge_api_;
  std::unique_ptr<SidecarStore> store_;
  auth::TokenDirectory* tokens_;  // store_, when it can look up tokens
  std::unique_ptr<auth::ClientCertificateVerifier> certificates_;  // with a client CA only
  Executor executor_;
  RefusalLog refusals_;
  auth::Authenticator authenticator_;
  ProcessDescriptors descriptors_;
  std::unique_ptr<FdBudget> fd_budget_;  // made in Start(), once the limit is raised
  CallGate gate_;
  WorkerLimits limits_;
  WorkerRegistry registry_;
  WorkerRegistration registration_;
  DispatchLedger ledger_;
  JobDispatcher dispatcher_;
  std::unique_ptr<JobNotifyListener> notify_listener_;  // with options_.dispatch_notify only
  JobClaims claims_;
  JobStateRelay job_states_;
  LogRelay logs_;
  WorkerStateWatcher watcher_;
  std::unique_ptr<ExecutionRelayService> relay_;  // nullptr when the relay is off
  EdgeWorkerService service_;
  std::unique_ptr<web::FleetApi> fleet_;  // with options_.fleet_page only
  // /metrics' fleet gauges and /readyz read through a connection of their own, and keep time by
  // the system clock whatever clock_ is (their caches are about real scrape intervals).
  PgProbeConnection probe_db_;
  FleetGauges fleet_gauges_;
  ReadinessProbe readiness_;
  MetricsHttpServer metrics_http_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  int metrics_port_ = 0;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time insecure_warned_at_ = absl::InfinitePast();  // health thread only
  std::thread health_thread_;
  MemoryReturn memory_return_;  // health thread only
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_CONTROLPLANE_SERVER_H_
