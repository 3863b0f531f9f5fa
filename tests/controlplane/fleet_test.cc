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

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string kServing("\x08\x01", 2);     // HealthCheckResponse{status: SERVING}
const std::string kNotServing("\x08\x02", 2);  // HealthCheckResponse{status: NOT_SERVING}

// grpc.health.v1.Health/Check for the sidecar's service, as raw protobuf bytes (hand-encoded,
// so the test needs no health proto library); "" when the call fails.
std::string HealthStatus(const std::string& address) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadAll(SharedPki().ca());
  auto channel = grpc::CreateChannel(address, grpc::SslCredentials(ssl));
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
  std::vector<std::unique_ptr<ConnectClient>> workers;
  std::map<ConnectClient*, std::string> names;
  for (int i = 0; i < 4; ++i) {
    const std::string name = "w" + std::to_string(i);
    auto* stub = i % 2 ? b.StubFor(name) : a.StubFor(name);
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
  auto options = TestOptions(dsn);
  // All thousand connect in the same instant here; the default pacing (500 a second, the rest
  // told to come back later) is not what this test measures.
  options.admissions_per_second = 5000;
  Sidecar sidecar(dsn, api, options);
  ASSERT_TRUE(sidecar.Start());
  constexpr int kWorkers = 1000;
  // Rows as registration leaves them (registering 1000 workers one by one adds nothing here).
  Exec(dsn, absl::StrCat("INSERT INTO edge_worker (worker_name, state, queues, first_online, "
                         "last_update, jobs_active) SELECT 'idle-' || i, 'idle', "
                         "'[''default'']', now(), now(), 0 FROM generate_series(1, ",
                         kWorkers, ") AS i"));
  // Their tokens, as `edgectl token issue` stores them (TestToken's scheme, in SQL).
  Exec(dsn, absl::StrCat(
                "INSERT INTO edgectl_worker_token (token_sha256, worker_name) SELECT "
                "encode(sha256(convert_to('edgectl_wt_test_' || "
                "encode(sha256(convert_to('idle-' || i, 'UTF8')), 'hex'), 'UTF8')), 'hex'), "
                "'idle-' || i FROM generate_series(1, ",
                kWorkers, ") AS i"));
  // Ten TLS connections with a hundred streams each; every stream carries its worker's token.
  std::vector<std::unique_ptr<v1::EdgeWorkerService::Stub>> stubs;
  for (int i = 0; i < 10; ++i) stubs.push_back(sidecar.NewStub());
  std::vector<std::unique_ptr<ConnectClient>> workers;
  for (int i = 1; i <= kWorkers; ++i) {
    const std::string name = "idle-" + std::to_string(i);
    workers.push_back(std::make_unique<ConnectClient>(
        stubs[i % stubs.size()].get(),
        ConnectRequestFor(name, 4, std::vector<std::string>{"default"}),
        grpc::AccessTokenCredentials(TestToken(name))));
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
  auto* probe_stub = sidecar.StubFor("probe");
  ASSERT_TRUE(RegisterWorker(*probe_stub, "probe", std::vector<std::string>{"probe"}).ok());
  ConnectClient probe(probe_stub,
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
  ASSERT_TRUE(RegisterWorker(*sidecar.StubFor("w1"), "w1", std::nullopt).ok());
  api->FailNext(Endpoint::kRegister, absl::UnavailableError("HTTP 503"));
  EXPECT_FALSE(RegisterWorker(*sidecar.StubFor("w2"), "w2", std::nullopt).ok());
  ConnectClient worker(sidecar.StubFor("w1"), ConnectRequestFor("w1", 1, std::nullopt));
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
  EXPECT_NE(text.find("edgectl_controlplane_rest_errors_total{code=\"UNAVAILABLE\","
                      "endpoint=\"register\"} 1\n"),
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
  options.worker_tokens = false;  // the fake store keeps no tokens; certificates still work
  controlplane::ControlPlaneServer server(options, std::make_shared<FakeEdgeApi>(dsn),
                                          std::move(store));
  ASSERT_TRUE(server.Start().ok());
  const std::string address = absl::StrCat("127.0.0.1:", server.port());
  ASSERT_TRUE(WaitUntil([&] { return HealthStatus(address) == kNotServing; }));
  store_handle->FailWith(absl::OkStatus());
  EXPECT_TRUE(WaitUntil([&] { return HealthStatus(address) == kServing; }));
}

TEST(FleetTest, PlaintextClientsAreNotServed) {
  const std::string dsn = CreateEdgeDatabase("cp_tls");
  ASSERT_FALSE(dsn.empty());
  Sidecar sidecar(dsn, std::make_shared<FakeEdgeApi>(dsn), TestOptions(dsn));
  ASSERT_TRUE(sidecar.Start());
  EXPECT_TRUE(RegisterWorker(*sidecar.StubFor("w1"), "w1", std::nullopt).ok());
  auto plain = sidecar.PlaintextStub();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  v1::RegisterResponse response;
  EXPECT_FALSE(plain->Register(&ctx, RegisterRequestFor("w2", std::nullopt), &response).ok());
  EXPECT_EQ(QueryText(dsn, "SELECT count(*) FROM edge_worker WHERE worker_name = 'w2'"), "0");
}

}  // namespace
}  // namespace edgectl::testing
