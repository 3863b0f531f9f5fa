// Scale-out and fleet behaviour through real sidecars: two sidecars on one database hand out
// every job exactly once; a thousand idle connected workers cost Airflow no jobs/fetch call;
// /metrics and the gRPC health service report what they should.
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "tests/controlplane/sidecar_harness.h"
#include "tests/fakes/fake_sidecar_store.h"
#include "tests/fixtures/edge_database.h"

namespace edgectl::testing {
namespace {

using Endpoint = FakeEdgeApi::Endpoint;

std::string Metrics(int port) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return "";
  return res->body;
}

const std::string kServing("\x08\x01", 2);     // HealthCheckResponse{status: SERVING}
const std::string kNotServing("\x08\x02", 2);  // HealthCheckResponse{status: NOT_SERVING}

// grpc.health.v1.Health/Check for the sidecar's service, as raw protobuf bytes (hand-encoded,
// so the test needs no health proto library); "" when the call fails.
std::string HealthStatus(const std::string& address) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::GenericStub generic(channel);
  const std::string service = "edgectl.v1.EdgeWorkerService";
  std::string request = std::string("\x0a", 1) + static_cast<char>(service.size()) + service;
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::ByteBuffer response;
  absl::Mutex mu;
  bool done = false;
  grpc::Status status;
  generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request_buffer,
                    &response, [&](grpc::Status s) {
                      absl::MutexLock lock(&mu);
                      status = s;
                      done = true;
                    });
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(&done));
  std::vector<grpc::Slice> slices;
  if (!status.ok() || !response.Dump(&slices).ok()) return "";
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes;
}

TEST(FleetTest, TwoSidecarsOnOneDatabaseHandOutEachJobOnce) {
  const std::string dsn = CreateEdgeDatabase("cp_two_sidecars");
  ASSERT_FALSE(dsn.empty());
  // Two processes' worth of Airflow API and sidecar, sharing only the database.
  auto api_a = std::make_shared<FakeEdgeApi>(dsn);
  auto api_b = std::make_shared<FakeEdgeApi>(dsn);
  Sidecar a(dsn, api_a, TestOptions(dsn));
  Sidecar b(dsn, api_b, TestOptions(dsn));
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  ASSERT_NE(a.server().port(), b.server().port());
  auto stub_a = a.NewStub();
  auto stub_b = b.NewStub();

  std::vector<std::unique_ptr<ConnectClient>> workers;
  std::map<ConnectClient*, std::string> names;
  for (int i = 0; i < 4; ++i) {
    auto* stub = i % 2 ? stub_b.get() : stub_a.get();
    const std::string name = "w" + std::to_string(i);
    ASSERT_TRUE(RegisterWorker(*stub, name, std::nullopt).ok());
    workers.push_back(std::make_unique<ConnectClient>(stub, ConnectRequestFor(name, 10, {})));
    names[workers.back().get()] = name;
    ASSERT_TRUE(workers.back()->WaitForEvent(
        [](const v1::ServerEvent& e) { return e.has_welcome(); }));
  }
  constexpr int kJobs = 30;
  for (int i = 0; i < kJobs; ++i) EnqueueJob(dsn, "t" + std::to_string(i));

  auto delivered = [&] {
    size_t n = 0;
    for (auto& w : workers) n += w->Jobs().size();
    return n;
  };
  ASSERT_TRUE(WaitUntil([&] { return delivered() >= kJobs; }));
  std::set<std::string> tasks;
  std::set<std::string> sidecars_used;
  for (auto& w : workers) {
    for (const v1::Job& j : w->Jobs()) {
      EXPECT_TRUE(tasks.insert(j.key().task_id()).second) << "handed out twice: "
                                                          << j.key().task_id();
      // The row is claimed by the worker that received it.
      EXPECT_EQ(JobRow(dsn, j.key().task_id()).second, names[w.get()]);
    }
  }
  EXPECT_EQ(tasks.size(), static_cast<size_t>(kJobs));
  EXPECT_GT(api_a->Calls(Endpoint::kFetchJob), 0);
  EXPECT_GT(api_b->Calls(Endpoint::kFetchJob), 0);
  EXPECT_EQ(QueryText(dsn, "SELECT count(*) FROM edge_job WHERE state = 'queued'"), "0");
}

TEST(FleetTest, ThousandIdleWorkersCostNoFetchCalls) {
  const std::string dsn = CreateEdgeDatabase("cp_idle_fleet");
  ASSERT_FALSE(dsn.empty());
  auto api = std::make_shared<FakeEdgeApi>(dsn);
  Sidecar sidecar(dsn, api, TestOptions(dsn));
  ASSERT_TRUE(sidecar.Start());
  constexpr int kWorkers = 1000;
  // Rows as registration leaves them (registering 1000 workers one by one adds nothing here).
  Exec(dsn, absl::StrCat("INSERT INTO edge_worker (worker_name, state, queues, first_online, "
                         "last_update, jobs_active) SELECT 'idle-' || i, 'idle', "
                         "'[''default'']', now(), now(), 0 FROM generate_series(1, ",
                         kWorkers, ") AS i"));
  // Ten channels with separate connections, a hundred streams on each.
  std::vector<std::unique_ptr<v1::EdgeWorkerService::Stub>> stubs;
  for (int i = 0; i < 10; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("edgectl.test.channel", i);  // distinct args -> distinct connection
    stubs.push_back(v1::EdgeWorkerService::NewStub(grpc::CreateCustomChannel(
        sidecar.address(), grpc::InsecureChannelCredentials(), args)));
  }
  std::vector<std::unique_ptr<ConnectClient>> workers;
  for (int i = 1; i <= kWorkers; ++i) {
    workers.push_back(std::make_unique<ConnectClient>(
        stubs[i % stubs.size()].get(),
        ConnectRequestFor("idle-" + std::to_string(i), 4, std::vector<std::string>{"default"})));
  }
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Metrics(sidecar.server().metrics_port())
                   .find(absl::StrCat("edgectl_controlplane_workers_connected ", kWorkers)) !=
               std::string::npos;
      },
      absl::Seconds(60)));
  for (auto& w : workers) ASSERT_FALSE(w->done()) << w->status().error_message();

  // Several dispatch rounds with everybody connected and nothing queued: proven to have run by
  // a probe worker whose jobs (on its own queue) arrive one after the other.
  const auto probe_stub = sidecar.NewStub();
  ASSERT_TRUE(RegisterWorker(*probe_stub, "probe", std::vector<std::string>{"probe"}).ok());
  ConnectClient probe(probe_stub.get(),
                      ConnectRequestFor("probe", 1, std::vector<std::string>{"probe"}));
  for (int round = 0; round < 3; ++round) {
    EnqueueJob(dsn, "probe" + std::to_string(round), "probe");
    ASSERT_TRUE(probe.WaitForJobs(round + 1));
    v1::JobStateReport done;
    done.set_worker_name("probe");
    *done.mutable_key() = probe.Jobs()[round].key();
    done.set_state("success");
    done.set_sequence(round + 1);
    done.set_free_concurrency(1);
    v1::JobStateAck ack;
    grpc::ClientContext ctx;
    ASSERT_TRUE(probe_stub->ReportJobState(&ctx, done, &ack).ok());
  }
  EXPECT_EQ(api->Calls(Endpoint::kFetchJob), 3);  // the probe's jobs only
  for (auto& w : workers) EXPECT_TRUE(w->Jobs().empty());
  EXPECT_EQ(api->Calls(Endpoint::kSetState), 0);
}

TEST(FleetTest, MetricsAndHealth) {
  const std::string dsn = CreateEdgeDatabase("cp_metrics");
  ASSERT_FALSE(dsn.empty());
  auto api = std::make_shared<FakeEdgeApi>(dsn);
  Sidecar sidecar(dsn, api, TestOptions(dsn));
  ASSERT_TRUE(sidecar.Start());
  auto stub = sidecar.NewStub();
  ASSERT_TRUE(RegisterWorker(*stub, "w1", std::nullopt).ok());
  api->FailNext(Endpoint::kRegister, absl::UnavailableError("HTTP 503"));
  EXPECT_FALSE(RegisterWorker(*stub, "w2", std::nullopt).ok());
  ConnectClient worker(stub.get(), ConnectRequestFor("w1", 1, std::nullopt));
  EnqueueJob(dsn, "t1");
  ASSERT_TRUE(worker.WaitForJobs(1));

  const std::string text = Metrics(sidecar.server().metrics_port());
  EXPECT_NE(text.find("edgectl_controlplane_workers_connected 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("edgectl_controlplane_jobs_dispatched_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("edgectl_controlplane_dispatches_requeued_total 0\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE edgectl_controlplane_rest_request_duration_seconds histogram"),
            std::string::npos);
  EXPECT_NE(text.find("edgectl_controlplane_rest_request_duration_seconds_count{endpoint="
                      "\"register\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("edgectl_controlplane_rest_request_duration_seconds_count{endpoint="
                      "\"jobs_fetch\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("edgectl_controlplane_rest_errors_total{endpoint=\"register\","
                      "code=\"UNAVAILABLE\"} 1\n"),
            std::string::npos);
  EXPECT_EQ(text.find("test-secret"), std::string::npos);

  // gRPC health: SERVING with the database reachable.
  EXPECT_EQ(HealthStatus(sidecar.address()), kServing);
}

TEST(FleetTest, HealthFollowsTheDatabase) {
  const std::string dsn = CreateEdgeDatabase("cp_health");
  ASSERT_FALSE(dsn.empty());
  auto store = std::make_unique<FakeSidecarStore>();
  FakeSidecarStore* store_handle = store.get();
  store->FailWith(absl::UnavailableError("database down"));
  auto options = TestOptions(dsn);
  controlplane::ControlPlaneServer server(options, std::make_shared<FakeEdgeApi>(dsn),
                                          std::move(store));
  ASSERT_TRUE(server.Start().ok());
  const std::string address = absl::StrCat("127.0.0.1:", server.port());
  ASSERT_TRUE(WaitUntil([&] { return HealthStatus(address) == kNotServing; }));
  store_handle->FailWith(absl::OkStatus());
  EXPECT_TRUE(WaitUntil([&] { return HealthStatus(address) == kServing; }));
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(FleetTest, ServesTlsWhenCertificateAndKeyAreSet) {
  const std::string dsn = CreateEdgeDatabase("cp_tls");
  ASSERT_FALSE(dsn.empty());
  const std::string dir = std::getenv("TEST_TMPDIR");
  const std::string cert = dir + "/server.pem";
  const std::string key = dir + "/server.key";
  ASSERT_EQ(system(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=sidecar.test "
                    "-addext subjectAltName=DNS:sidecar.test -keyout " + key + " -out " + cert +
                    " 2>/dev/null").c_str()),
            0);
  auto api = std::make_shared<FakeEdgeApi>(dsn);
  auto options = TestOptions(dsn);
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  Sidecar sidecar(dsn, api, options);
  ASSERT_TRUE(sidecar.Start());

  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadAll(cert);
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("sidecar.test");
  auto tls_stub = v1::EdgeWorkerService::NewStub(
      grpc::CreateCustomChannel(sidecar.address(), grpc::SslCredentials(ssl), args));
  EXPECT_TRUE(RegisterWorker(*tls_stub, "w1", std::nullopt).ok());

  // Plaintext is refused.
  auto plain = sidecar.NewStub();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  v1::RegisterResponse response;
  EXPECT_FALSE(plain->Register(&ctx, RegisterRequestFor("w2", std::nullopt), &response).ok());
}

}  // namespace
}  // namespace edgectl::testing
