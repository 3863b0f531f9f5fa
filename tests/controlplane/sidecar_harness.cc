#include "tests/controlplane/sidecar_harness.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>

#include "absl/time/clock.h"
#include "common/database_url.h"
#include "common/tls_files.h"
#include "controlplane/auth/worker_token.h"
#include "controlplane/pg_sidecar_store.h"
#include "tests/e2e/job_enqueuer.h"

namespace edgectl::testing {
namespace {

std::string ReadAll(const std::string& path) {
  return tls::ReadPemFile(path, "test file").value_or("");
}

}  // namespace

bool WaitUntil(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return condition();
}

const TestPki& SharedPki() {
  static const TestPki* pki = [] {
    const char* tmp = std::getenv("TEST_TMPDIR");
    absl::StatusOr<TestPki> made =
        TestPki::Create(std::string(tmp != nullptr ? tmp : "/tmp") + "/sidecar-pki");
    if (!made.ok()) {
      ADD_FAILURE() << made.status();
      std::abort();
    }
    return new TestPki(*std::move(made));
  }();
  return *pki;
}

std::string TestToken(const std::string& worker) {
  // Tokens are printable ASCII; worker names need not be.
  return "edgectl_wt_test_" + auth::TokenSha256Hex(worker);
}

void IssueTestToken(const std::string& dsn, const std::string& worker) {
  pqxx::connection c(dsn);
  pqxx::work tx(c);
  tx.exec_params(
      "INSERT INTO edgectl_worker_token (token_sha256, worker_name) VALUES ($1, $2) "
      "ON CONFLICT DO NOTHING",
      auth::TokenSha256Hex(TestToken(worker)), worker);
  tx.commit();
}

controlplane::ControlPlaneOptions TestOptions(const std::string& dsn) {
  controlplane::ControlPlaneOptions o;
  o.api_url = "http://fake.invalid/edge_worker/v1/rpcapi";
  o.jwt_secret = "test-secret";
  absl::StatusOr<DatabaseUrl> db = ParseDatabaseUrl(dsn);
  EXPECT_TRUE(db.ok()) << db.status();
  if (db.ok()) o.database = *db;
  o.listen_address = "127.0.0.1:0";
  o.metrics_address = "127.0.0.1:0";
  o.heartbeat_interval_seconds = 30;
  o.dispatch_poll_interval = absl::Milliseconds(20);
  o.state_poll_interval = absl::Milliseconds(50);
  o.ack_timeout = absl::Seconds(30);
  o.tls_cert_file = SharedPki().sidecar().cert;
  o.tls_key_file = SharedPki().sidecar().key;
  o.tls_client_ca_file = SharedPki().ca();
  o.worker_tokens = true;
  return o;
}

Sidecar::Sidecar(const std::string& dsn, std::shared_ptr<FakeEdgeApi> api,
                 controlplane::ControlPlaneOptions options,
                 const controlplane::Clock* clock)
    : dsn_(dsn) {
  server_ = std::make_unique<controlplane::ControlPlaneServer>(
      std::move(options), std::move(api),
      std::make_unique<controlplane::PgSidecarStore>(dsn, 4), clock);
}

bool Sidecar::Start() {
  absl::Status s = server_->Start();
  EXPECT_TRUE(s.ok()) << s;
  return s.ok();
}

std::string Sidecar::address() const { return "127.0.0.1:" + std::to_string(server_->port()); }

std::unique_ptr<v1::EdgeWorkerService::Stub> Sidecar::NewStub(
    std::shared_ptr<grpc::CallCredentials> call, const std::optional<CertAndKey>& client_cert) const {
  return NewTlsStub(address(), std::move(call), client_cert);
}

std::unique_ptr<v1::EdgeWorkerService::Stub> NewTlsStub(
    const std::string& address, std::shared_ptr<grpc::CallCredentials> call,
    const std::optional<CertAndKey>& client_cert) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadAll(SharedPki().ca());
  if (client_cert.has_value()) {
    ssl.pem_cert_chain = ReadAll(client_cert->cert);
    ssl.pem_private_key = ReadAll(client_cert->key);
  }
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::SslCredentials(ssl);
  if (call != nullptr) creds = grpc::CompositeChannelCredentials(creds, call);
  // Every stub its own connection, as every worker has.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return v1::EdgeWorkerService::NewStub(grpc::CreateCustomChannel(address, creds, args));
}

std::unique_ptr<v1::EdgeWorkerService::Stub> Sidecar::PlaintextStub() const {
  return v1::EdgeWorkerService::NewStub(
      grpc::CreateChannel(address(), grpc::InsecureChannelCredentials()));
}

v1::EdgeWorkerService::Stub* Sidecar::StubFor(const std::string& name) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<v1::EdgeWorkerService::Stub>& stub = stubs_[name];
  if (stub == nullptr) {
    IssueTestToken(dsn_, name);
    stub = NewStub(grpc::AccessTokenCredentials(TestToken(name)));
  }
  return stub.get();
}

ConnectClient::ConnectClient(v1::EdgeWorkerService::Stub* stub, v1::ConnectRequest request,
                             std::shared_ptr<grpc::CallCredentials> credentials)
    : request_(std::move(request)) {
  if (credentials != nullptr) context_.set_credentials(std::move(credentials));
  stub->async()->Connect(&context_, &request_, this);
  StartRead(&event_);
  StartCall();
}

ConnectClient::~ConnectClient() { Cancel(); }

void ConnectClient::OnReadDone(bool ok) {
  if (!ok) return;
  {
    absl::MutexLock lock(&mu_);
    events_.push_back(event_);
  }
  StartRead(&event_);
}

void ConnectClient::OnDone(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  done_ = true;
  status_ = status;
}

std::vector<v1::ServerEvent> ConnectClient::Events() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

std::vector<v1::Job> ConnectClient::Jobs() const {
  std::vector<v1::Job> jobs;
  for (const v1::ServerEvent& e : Events()) {
    if (e.has_job()) jobs.push_back(e.job());
  }
  return jobs;
}

bool ConnectClient::WaitForJobs(size_t n, absl::Duration timeout) const {
  return WaitUntil([&] { return Jobs().size() >= n; }, timeout);
}

bool ConnectClient::WaitForEvent(const std::function<bool(const v1::ServerEvent&)>& match,
                                 absl::Duration timeout) const {
  return WaitUntil(
      [&] {
        for (const v1::ServerEvent& e : Events()) {
          if (match(e)) return true;
        }
        return false;
      },
      timeout);
}

void ConnectClient::Cancel() {
  context_.TryCancel();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&done_));
}

bool ConnectClient::done() const {
  absl::MutexLock lock(&mu_);
  return done_;
}

grpc::Status ConnectClient::status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

v1::RegisterRequest RegisterRequestFor(const std::string& worker_name,
                                       std::optional<std::vector<std::string>> queues,
                                       int concurrency) {
  v1::RegisterRequest r;
  r.set_worker_name(worker_name);
  r.set_protocol_version(v1::PROTOCOL_VERSION_1);
  r.set_client_version("edgectl-test");
  v1::WorkerStateBody* body = r.mutable_body();
  body->set_state("starting");
  if (queues) {
    for (const std::string& q : *queues) body->mutable_queues()->add_names(q);
  }
  auto& sysinfo = *body->mutable_sysinfo();
  sysinfo["airflow_version"].set_string_value(FakeEdgeApi::kAirflowVersion);
  sysinfo["edge_provider_version"].set_string_value(FakeEdgeApi::kProviderVersion);
  sysinfo["concurrency"].set_int_value(concurrency);
  sysinfo["free_concurrency"].set_int_value(concurrency);
  sysinfo["status"].set_int_value(20);
  return r;
}

v1::ConnectRequest ConnectRequestFor(const std::string& worker_name, int free_concurrency,
                                     std::optional<std::vector<std::string>> queues) {
  v1::ConnectRequest r;
  r.set_worker_name(worker_name);
  r.set_free_concurrency(free_concurrency);
  if (queues) {
    for (const std::string& q : *queues) r.mutable_queues()->add_names(q);
  }
  return r;
}

grpc::Status RegisterWorker(v1::EdgeWorkerService::Stub& stub, const std::string& worker_name,
                            std::optional<std::vector<std::string>> queues) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::RegisterResponse response;
  return stub.Register(&ctx, RegisterRequestFor(worker_name, std::move(queues)), &response);
}

v1::JobKey EnqueueJob(const std::string& dsn, const std::string& task_id,
                      const std::string& queue, int pool_slots) {
  e2e::TaskSpec spec;
  spec.task_id = task_id;
  spec.queue = queue;
  spec.pool_slots = pool_slots;
  absl::StatusOr<e2e::QueuedJob> job = e2e::EnqueueTask(dsn, spec);
  EXPECT_TRUE(job.ok()) << job.status();
  v1::JobKey key;
  key.set_dag_id(spec.dag_id);
  key.set_task_id(spec.task_id);
  key.set_run_id(spec.run_id);
  key.set_try_number(spec.try_number);
  key.set_map_index(spec.map_index);
  if (job.ok()) key.set_task_instance_id(job->task_instance_id);
  return key;
}

std::pair<std::string, std::string> JobRow(const std::string& dsn, const std::string& task_id) {
  pqxx::connection c(dsn);
  pqxx::read_transaction tx(c);
  pqxx::result r = tx.exec_params(
      "SELECT state, coalesce(edge_worker, '') FROM edge_job WHERE task_id = $1", task_id);
  if (r.empty()) return {"", ""};
  return {r[0][0].as<std::string>(), r[0][1].as<std::string>()};
}

int Exec(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::work tx(c);
  pqxx::result r = tx.exec(sql);
  tx.commit();
  return static_cast<int>(r.affected_rows());
}

std::string QueryText(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::read_transaction tx(c);
  pqxx::result r = tx.exec(sql);
  if (r.empty() || r[0][0].is_null()) return "";
  return r[0][0].as<std::string>();
}

}  // namespace edgectl::testing
