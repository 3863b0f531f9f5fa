// File: tests/controlplane/sidecar_harness.h
//
// Test scaffolding for the control-plane sidecar: a real ControlPlaneServer on 127.0.0.1 port 0
// (and /metrics on port 0) over a fresh edge3 database, FakeEdgeApi playing Airflow on that
// database, real gRPC clients (generated stubs), a Connect stream client on the callback API
// (so one test process can hold a thousand streams), and small SQL helpers.
// Authentication is real: the sidecar serves TLS with a certificate of the process-wide test CA
// (scripts/make-certs), accepts that CA's client certificates and per-worker tokens. StubFor()
// gives a worker's stub, authenticated by a token issued for it in edgectl_worker_token.
#ifndef EDGECTL_TESTS_CONTROLPLANE_SIDECAR_HARNESS_H_
#define EDGECTL_TESTS_CONTROLPLANE_SIDECAR_HARNESS_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/controlplane_options.h"
#include "controlplane/controlplane_server.h"
#include "proto/edge_worker.grpc.pb.h"
#include "tests/fakes/fake_edge_api.h"
#include "tests/fixtures/test_pki.h"

namespace edgectl::testing {

// A stub for the sidecar at `address` over TLS (trusting the shared test CA), with per-call
// credentials (nullptr: none) and an optional client certificate; its own connection.
std::unique_ptr<v1::EdgeWorkerService::Stub> NewTlsStub(
    const std::string& address, std::shared_ptr<grpc::CallCredentials> call = nullptr,
    const std::optional<CertAndKey>& client_cert = std::nullopt);

// Polls `condition` every 10 ms until it holds or `timeout` passes.
bool WaitUntil(const std::function<bool()>& condition, absl::Duration timeout = absl::Seconds(10));

// The test CA and sidecar certificate of this test process (under $TEST_TMPDIR).
const TestPki& SharedPki();

// Options for a test sidecar: fast polls, the given database, TLS with the shared test PKI,
// client certificates of its CA and worker tokens accepted.
controlplane::ControlPlaneOptions TestOptions(const std::string& dsn);

// The token the harness issues for `worker` ("edgectl_wt_test_" + SHA-256 of the name).
std::string TestToken(const std::string& worker);
// Stores TestToken(worker)'s hash for `worker` (as `edgectl token issue` does).
void IssueTestToken(const std::string& dsn, const std::string& worker);

class Sidecar {
 public:
  Sidecar(const std::string& dsn, std::shared_ptr<FakeEdgeApi> api,
          controlplane::ControlPlaneOptions options,
          const controlplane::Clock* clock = nullptr);
  // Fails the test when the server does not start.
  bool Start();

  std::string address() const;
  // The stub of worker `name`: its own TLS channel carrying its token (issued on first use).
  // Owned by the Sidecar; the same stub for the same name.
  v1::EdgeWorkerService::Stub* StubFor(const std::string& name);
  // A stub on a TLS channel with the given call credentials (nullptr: none) and optional client
  // certificate; not cached.
  std::unique_ptr<v1::EdgeWorkerService::Stub> NewStub(
      std::shared_ptr<grpc::CallCredentials> call = nullptr,
      const std::optional<CertAndKey>& client_cert = std::nullopt) const;
  // A plaintext stub (refused by a TLS sidecar).
  std::unique_ptr<v1::EdgeWorkerService::Stub> PlaintextStub() const;
  controlplane::ControlPlaneServer& server() { return *server_; }

 private:
  std::string dsn_;
  std::unique_ptr<controlplane::ControlPlaneServer> server_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<v1::EdgeWorkerService::Stub>> stubs_ ABSL_GUARDED_BY(mu_);
};

// A worker's Connect stream on the client's callback API; collects every event.
class ConnectClient final : public grpc::ClientReadReactor<v1::ServerEvent> {
 public:
  // `credentials`: per-call credentials of the stream (e.g. a token), when the stub has none.
  ConnectClient(v1::EdgeWorkerService::Stub* stub, v1::ConnectRequest request,
                std::shared_ptr<grpc::CallCredentials> credentials = nullptr);
  ~ConnectClient() override;

  std::vector<v1::ServerEvent> Events() const;
  std::vector<v1::Job> Jobs() const;
  bool WaitForJobs(size_t n, absl::Duration timeout = absl::Seconds(10)) const;
  bool WaitForEvent(const std::function<bool(const v1::ServerEvent&)>& match,
                    absl::Duration timeout = absl::Seconds(10)) const;
  // Drops the stream (as a worker that vanished) and waits until gRPC reports it done.
  void Cancel();
  bool done() const;
  grpc::Status status() const;

  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  grpc::ClientContext context_;
  v1::ConnectRequest request_;
  v1::ServerEvent event_;
  mutable absl::Mutex mu_;
  std::vector<v1::ServerEvent> events_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

v1::RegisterRequest RegisterRequestFor(const std::string& worker_name,
                                       std::optional<std::vector<std::string>> queues,
                                       int concurrency = 8);
v1::ConnectRequest ConnectRequestFor(const std::string& worker_name, int free_concurrency,
                                     std::optional<std::vector<std::string>> queues);
// Registers through the sidecar; returns the gRPC status.
grpc::Status RegisterWorker(v1::EdgeWorkerService::Stub& stub, const std::string& worker_name,
                            std::optional<std::vector<std::string>> queues);

// Inserts a queued edge_job row the way the EdgeExecutor does; returns its key.
v1::JobKey EnqueueJob(const std::string& dsn, const std::string& task_id,
                      const std::string& queue = "default", int pool_slots = 1);
// edge_job.state and edge_worker of a task ("" when NULL / missing).
std::pair<std::string, std::string> JobRow(const std::string& dsn, const std::string& task_id);
// Runs one statement (test setup); returns rows affected.
int Exec(const std::string& dsn, const std::string& sql);
// The first column of the first row as text ("" when no row).
std::string QueryText(const std::string& dsn, const std::string& sql);

}  // namespace edgectl::testing

#endif  // EDGECTL_TESTS_CONTROLPLANE_SIDECAR_HARNESS_H_
