// End to end, the sidecar's door (issue "Worker identity at the sidecar"): real processes, real
// TLS. Workers authenticate with a client certificate of the sidecar's client CA or with a
// per-worker token; every refusal reaches the worker with its cause; a worker acts only as
// itself; revoking a token ends the worker's stream; one client's flood costs only that client.
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include <httplib.h>

#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/raw_client.h"

namespace edgectl::e2e {
namespace {

class SecurityEndToEndTest : public EndToEndTest {
 protected:
  // `name`'s worker environment with `changes` applied ("" removes a variable).
  std::map<std::string, std::string> EnvWith(
      const std::string& name, const std::map<std::string, std::string>& changes) {
    EXPECT_TRUE(stack_->PrepareCredentials(name).ok());
    std::map<std::string, std::string> env = stack_->WorkerEnv(name);
    for (const auto& [k, v] : changes) {
      if (v.empty()) {
        env.erase(k);
      } else {
        env[k] = v;
      }
    }
    return env;
  }

  // Starts a worker with `env` changes that cannot reach the sidecar and waits until it says
  // `needle` (it keeps retrying: the sidecar may be fixed meanwhile). Returns its output.
  std::string DiagnosedWorkerOutput(const std::string& name,
                                    const std::map<std::string, std::string>& changes,
                                    const std::string& needle) {
    const std::map<std::string, std::string> env = EnvWith(name, changes);
    auto worker = ChildProcess::Start(
        {stack_->options().edgectl_binary, "worker", "-H", name,
         "--controlplane-address=" + stack_->controlplane_address()},
        env, work_dir_);
    EXPECT_TRUE(worker.ok()) << worker.status();
    if (!worker.ok()) return "";
    absl::StatusOr<std::string> out = (*worker)->WaitForOutput(needle, absl::Seconds(30));
    EXPECT_TRUE(out.ok()) << (*worker)->Stdout() << (*worker)->Stderr();
    EXPECT_EQ(WorkerState(name), "") << "the worker must not register";
    return (*worker)->Stdout() + (*worker)->Stderr();
  }

  // Starts a worker with `env` changes, expects it to give up, and returns what it printed.
  std::string RefusedWorkerOutput(const std::string& name,
                                  const std::map<std::string, std::string>& changes) {
    const std::map<std::string, std::string> env = EnvWith(name, changes);
    absl::StatusOr<CommandOutput> run = ChildProcess::RunToCompletion(
        {stack_->options().edgectl_binary, "worker", "-H", name,
         "--controlplane-address=" + stack_->controlplane_address()},
        env, work_dir_, absl::Seconds(60));
    EXPECT_TRUE(run.ok()) << run.status();
    if (!run.ok()) return "";
    EXPECT_EQ(run->exit_code, 1) << run->combined();
    EXPECT_EQ(WorkerState(name), "") << "a refused worker must not register";
    return run->combined();
  }

  std::unique_ptr<v1::EdgeWorkerService::Stub> StubWithCertificateOf(const std::string& worker) {
    EXPECT_TRUE(stack_->PrepareCredentials(worker).ok());
    const std::string dir = stack_->pki()->dir();
    return RawStub(stack_->controlplane_address(), stack_->pki()->ca(),
                   testing::CertAndKey{dir + "/worker-" + worker + ".pem",
                                       dir + "/worker-" + worker + ".key"});
  }
};

TEST_F(SecurityEndToEndTest, WorkerWithClientCertificateRunsJobs) {
  auto worker = stack_->StartWorker("edge-cert-1");
  ASSERT_TRUE(worker.ok()) << worker.status();
  TaskSpec spec;
  spec.task_id = "over_mtls";
  spec.standin = {{"lines", 3}};
  QueuedJob job = Enqueue(spec);
  ASSERT_TRUE(AwaitJobState("over_mtls", "success"));
  EXPECT_EQ(StoredLog("over_mtls"), LogFile(job));
  EXPECT_NE(stack_->controlplane()->Stdout().find("worker edge-cert-1 registered (state starting, "
                                                  "authenticated by certificate"),
            std::string::npos)
      << stack_->controlplane()->Stdout();
}

TEST_F(SecurityEndToEndTest, RefusedClientCertificatesNameTheirCause) {
  const testing::TestPki& pki = *stack_->pki();
  absl::StatusOr<testing::CertAndKey> expired =
      pki.Worker("edge-expired", "20200101000000Z", "20200102000000Z");
  absl::StatusOr<testing::CertAndKey> future = pki.Worker("edge-future", "20400101000000Z");
  absl::StatusOr<testing::CertAndKey> self_signed = pki.SelfSigned("edge-self");
  absl::StatusOr<testing::TestPki> other_pki = testing::TestPki::Create(work_dir_ + "/other-pki");
  ASSERT_TRUE(expired.ok() && future.ok() && self_signed.ok() && other_pki.ok());
  absl::StatusOr<testing::CertAndKey> foreign = other_pki->Worker("edge-foreign");
  ASSERT_TRUE(foreign.ok());

  struct Case {
    std::string worker;
    testing::CertAndKey cert;
    std::string cause;
  };
  for (const Case& c : {Case{"edge-expired", *expired, "expired on 2020-01-02"},
                        Case{"edge-future", *future, "is not valid before 2040-01-01"},
                        Case{"edge-self", *self_signed, "is self-signed"},
                        Case{"edge-foreign", *foreign, "which is not a CA this sidecar trusts"}}) {
    SCOPED_TRACE(c.worker);
    const std::string out = RefusedWorkerOutput(
        c.worker, {{"AIRFLOW__EDGE__CONTROLPLANE_TLS_CERT", c.cert.cert},
                   {"AIRFLOW__EDGE__CONTROLPLANE_TLS_KEY", c.cert.key}});
    EXPECT_NE(out.find("did not accept this worker's credentials"), std::string::npos) << out;
    EXPECT_NE(out.find(c.cause), std::string::npos) << out;
    EXPECT_EQ(out.find("Socket closed"), std::string::npos) << out;
  }
  // No certificate and no token.
  const std::string out = RefusedWorkerOutput(
      "edge-anonymous", {{"AIRFLOW__EDGE__CONTROLPLANE_TLS_CERT", ""},
                         {"AIRFLOW__EDGE__CONTROLPLANE_TLS_KEY", ""}});
  EXPECT_NE(out.find("no client certificate or worker token was presented"), std::string::npos)
      << out;
}

TEST_F(SecurityEndToEndTest, AWorkerActsOnlyAsItself) {
  // Worker B runs a long job; A holds a valid certificate of its own.
  auto b = stack_->StartWorker("edge-b");
  ASSERT_TRUE(b.ok()) << b.status();
  TaskSpec spec;
  spec.task_id = "b_job";
  spec.standin = {{"lines", 4}, {"line_interval", 0.3}};
  QueuedJob job = Enqueue(spec);
  ASSERT_TRUE(AwaitJobState("b_job", "running"));

  // A's certificate with B's name on the command line: refused at registration.
  ASSERT_TRUE(stack_->PrepareCredentials("edge-a").ok());
  std::map<std::string, std::string> env = stack_->WorkerEnv("edge-a");
  absl::StatusOr<CommandOutput> as_b = ChildProcess::RunToCompletion(
      {stack_->options().edgectl_binary, "worker", "-H", "edge-b",
       "--controlplane-address=" + stack_->controlplane_address()},
      env, work_dir_, absl::Seconds(60));
  ASSERT_TRUE(as_b.ok());
  EXPECT_EQ(as_b->exit_code, 1);
  EXPECT_NE(as_b->combined().find("a worker may act only as itself"), std::string::npos)
      << as_b->combined();

  // A's certificate, hand-made calls naming B or B's job.
  auto stub = StubWithCertificateOf("edge-a");
  v1::JobKey key;
  const TaskSpec defaults;
  key.set_dag_id("e2e_dag");  // EndToEndTest::Enqueue's dag
  key.set_task_id("b_job");
  key.set_run_id(defaults.run_id);
  key.set_try_number(defaults.try_number);
  key.set_map_index(defaults.map_index);
  key.set_task_instance_id(job.task_instance_id);
  {
    v1::HeartbeatRequest hb;
    hb.set_worker_name("edge-b");
    *hb.mutable_body() = RawStateBody("maintenance request");
    v1::HeartbeatResponse reply;
    grpc::ClientContext ctx;
    EXPECT_EQ(stub->Heartbeat(&ctx, hb, &reply).error_code(), grpc::PERMISSION_DENIED);
  }
  for (const char* claimed : {"edge-a", "edge-b"}) {
    v1::JobStateReport report;
    report.set_worker_name(claimed);
    *report.mutable_key() = key;
    report.set_state("failed");
    report.set_sequence(1);
    v1::JobStateAck ack;
    grpc::ClientContext ctx;
    EXPECT_EQ(stub->ReportJobState(&ctx, report, &ack).error_code(), grpc::PERMISSION_DENIED)
        << claimed;
  }
  {
    v1::LogChunk chunk;
    chunk.set_worker_name("edge-a");
    *chunk.mutable_key() = key;
    chunk.set_offset(0);
    chunk.set_data("FORGED LINE\n");
    chunk.mutable_chunk_time()->set_seconds(1767225600);
    v1::PushLogsReply reply;
    grpc::ClientContext ctx;
    auto writer = stub->PushLogs(&ctx, &reply);
    writer->Write(chunk);
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
    ASSERT_EQ(reply.refused_size(), 1);
    EXPECT_EQ(reply.refused(0).code(), static_cast<int>(absl::StatusCode::kPermissionDenied));
  }
  {
    v1::ConnectRequest connect;
    connect.set_worker_name("edge-b");
    grpc::ClientContext ctx;
    auto reader = stub->Connect(&ctx, connect);
    v1::ServerEvent event;
    EXPECT_FALSE(reader->Read(&event));
    EXPECT_EQ(reader->Finish().error_code(), grpc::PERMISSION_DENIED);
  }
  // B's job is untouched: it finishes as B ran it, with B's log only.
  ASSERT_TRUE(AwaitJobState("b_job", "success"));
  EXPECT_EQ(StoredLog("b_job"), LogFile(job));
  EXPECT_EQ(StoredLog("b_job").find("FORGED"), std::string::npos);
  EXPECT_EQ(WorkerState("edge-b"), "idle");
  EXPECT_NE(stack_->controlplane()->Stdout().find("refused"), std::string::npos);
}

TEST_F(SecurityEndToEndTest, PlaintextWorkerIsNotServed) {
  const std::string out = DiagnosedWorkerOutput(
      "edge-plain",
      {{"AIRFLOW__EDGE__CONTROLPLANE_TLS_CA", ""},
       {"AIRFLOW__EDGE__CONTROLPLANE_TLS_CERT", ""},
       {"AIRFLOW__EDGE__CONTROLPLANE_TLS_KEY", ""}},
      "serves TLS, but this worker has no [edge] controlplane_tls_ca");
  EXPECT_NE(out.find("plaintext"), std::string::npos) << out;
}

TEST_F(SecurityEndToEndTest, UntrustedSidecarCertificateIsRefused) {
  absl::StatusOr<testing::TestPki> other = testing::TestPki::Create(work_dir_ + "/other-pki");
  ASSERT_TRUE(other.ok());
  const std::string out = DiagnosedWorkerOutput(
      "edge-untrusting", {{"AIRFLOW__EDGE__CONTROLPLANE_TLS_CA", other->ca()}},
      "certificate is not trusted by [edge] controlplane_tls_ca");
  EXPECT_NE(out.find(other->ca()), std::string::npos) << out;
}

TEST_F(SecurityEndToEndTest, FloodsAndOversizedMessagesCostOnlyTheirSender) {
  auto good = stack_->StartWorker("edge-good");
  ASSERT_TRUE(good.ok()) << good.status();
  auto flooder = StubWithCertificateOf("edge-flood");

  // Oversized: a 5 MB registration (the sidecar takes at most 4 MiB) and a 1 MB name.
  {
    v1::RegisterRequest big;
    big.set_worker_name("edge-flood");
    big.set_protocol_version(v1::PROTOCOL_VERSION_1);
    *big.mutable_body() = RawStateBody("starting");
    (*big.mutable_body()->mutable_sysinfo())["padding"].set_string_value(
        std::string(5 << 20, 'x'));
    v1::RegisterResponse reply;
    grpc::ClientContext ctx;
    EXPECT_EQ(flooder->Register(&ctx, big, &reply).error_code(), grpc::RESOURCE_EXHAUSTED);
    v1::RegisterRequest long_name;
    long_name.set_worker_name(std::string(1 << 20, 'n'));
    long_name.set_protocol_version(v1::PROTOCOL_VERSION_1);
    grpc::ClientContext ctx2;
    grpc::Status s = flooder->Register(&ctx2, long_name, &reply);
    EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT) << s.error_message();
    EXPECT_LT(s.error_message().size(), 400u);  // the name is not echoed back
  }

  // Hundreds of streams and thousands of calls at once, while the good worker runs jobs.
  std::atomic<bool> stop{false};
  std::atomic<int> refused{0};
  std::vector<std::unique_ptr<grpc::ClientContext>> stream_contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::ServerEvent>>> streams;
  for (int i = 0; i < 300; ++i) {
    v1::ConnectRequest connect;
    connect.set_worker_name("edge-flood");
    stream_contexts.push_back(std::make_unique<grpc::ClientContext>());
    streams.push_back(flooder->Connect(stream_contexts.back().get(), connect));
  }
  // Several connections, as a determined client would open (each one carries at most 100
  // calls at a time).
  std::vector<std::unique_ptr<v1::EdgeWorkerService::Stub>> floods;
  for (int i = 0; i < 5; ++i) floods.push_back(StubWithCertificateOf("edge-flood"));
  std::thread flood([&] {
    constexpr int kBurst = 1000;
    while (!stop.load()) {
      absl::BlockingCounter done(kBurst);
      std::vector<grpc::ClientContext> contexts(kBurst);
      std::vector<v1::HeartbeatResponse> replies(kBurst);
      v1::HeartbeatRequest hb;
      hb.set_worker_name("edge-flood");
      *hb.mutable_body() = RawStateBody("idle");
      for (int i = 0; i < kBurst; ++i) {
        floods[i % floods.size()]->async()->Heartbeat(&contexts[i], &hb, &replies[i],
                                                      [&](grpc::Status s) {
          if (s.error_code() == grpc::RESOURCE_EXHAUSTED) refused.fetch_add(1);
          done.DecrementCount();
        });
      }
      done.Wait();
    }
  });
  const absl::Time start = absl::Now();
  std::vector<QueuedJob> jobs;
  for (int i = 0; i < 3; ++i) {
    TaskSpec spec;
    spec.task_id = "during_flood_" + std::to_string(i);
    jobs.push_back(Enqueue(spec));
  }
  bool finished = true;
  for (int i = 0; i < 3; ++i) {
    finished = finished && AwaitJobState("during_flood_" + std::to_string(i), "success", 30);
  }
  const absl::Duration took = absl::Now() - start;
  stop = true;
  flood.join();
  for (auto& ctx : stream_contexts) ctx->TryCancel();
  ASSERT_TRUE(finished);
  // The good worker's jobs were not starved: they finished within a bounded delay (they take
  // well under a second each without the flood).
  EXPECT_LT(took, absl::Seconds(30));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(StoredLog("during_flood_" + std::to_string(i)), LogFile(jobs[i]));
  }
  EXPECT_GT(refused.load(), 0) << "the flood was never told to slow down";
  // The sidecar counted what it refused: the streams beyond the per-minute Connect limit.
  const std::string out = stack_->controlplane()->Stdout();
  const size_t at = out.find("(metrics on 127.0.0.1:");
  ASSERT_NE(at, std::string::npos);
  const int metrics_port = std::stoi(out.substr(at + 22));
  httplib::Client metrics("127.0.0.1", metrics_port);
  auto res = metrics.Get("/metrics");
  ASSERT_TRUE(res);
  const std::string key = "edgectl_controlplane_calls_refused_total{reason=\"resource_exhausted\"} ";
  const size_t line = res->body.find(key);
  ASSERT_NE(line, std::string::npos) << res->body;
  EXPECT_GE(std::stoi(res->body.substr(line + key.size())), 200) << res->body;
}

class TokenEndToEndTest : public EndToEndTest {
 protected:
  WorkerAuth Auth() const override { return WorkerAuth::kToken; }
};

TEST_F(TokenEndToEndTest, WorkerWithTokenRunsJobsAndOnlyTheHashIsStored) {
  auto worker = stack_->StartWorker("edge-token-1");
  ASSERT_TRUE(worker.ok()) << worker.status();
  TaskSpec spec;
  spec.task_id = "with_token";
  QueuedJob job = Enqueue(spec);
  ASSERT_TRUE(AwaitJobState("with_token", "success"));
  EXPECT_EQ(StoredLog("with_token"), LogFile(job));

  std::ifstream in(stack_->token_file("edge-token-1"));
  std::string token;
  std::getline(in, token);
  ASSERT_EQ(token.rfind("edgectl_wt_", 0), 0u);
  EXPECT_EQ(Query("SELECT count(*) FROM edgectl_worker_token WHERE worker_name = "
                  "'edge-token-1' AND token_sha256 = encode(sha256(convert_to('" +
                  token + "', 'UTF8')), 'hex')"),
            "1");
  EXPECT_EQ(Query("SELECT count(*) FROM edgectl_worker_token WHERE token_sha256 LIKE '%" +
                  token.substr(11, 20) + "%' OR worker_name LIKE '%" + token.substr(11, 20) +
                  "%'"),
            "0");
  CommandResult list = Edgectl({"token", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.combined();
  EXPECT_NE(list.out.find("edge-token-1"), std::string::npos) << list.out;
  EXPECT_EQ(list.combined().find(token), std::string::npos);
}

TEST_F(TokenEndToEndTest, ARevokedTokenEndsTheStreamAndANewOneIsPickedUp) {
  auto worker = stack_->StartWorker("edge-revoked");
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE(Eventually(
      [&] {
        return stack_->controlplane()->Stdout().find("worker edge-revoked connected") !=
               std::string::npos;
      },
      absl::Seconds(30)));
  CommandResult revoke = Edgectl({"token", "revoke", "-H", "edge-revoked"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.combined();
  // The open stream ends with UNAUTHENTICATED and the worker says why; it keeps running.
  EXPECT_TRUE(Eventually(
      [&] {
        const std::string out = (*worker)->Stdout() + (*worker)->Stderr();
        return out.find("UNAUTHENTICATED") != std::string::npos &&
               out.find("revoked") != std::string::npos;
      },
      absl::Seconds(30)))
      << (*worker)->Stdout() << (*worker)->Stderr();
  EXPECT_TRUE((*worker)->Running());
  // No job reaches a worker whose token was revoked ...
  TaskSpec spec;
  spec.task_id = "after_revoke";
  Enqueue(spec);
  // ... until a new token is issued and written to its file: picked up without a restart.
  std::remove(stack_->token_file("edge-revoked").c_str());
  ASSERT_TRUE(stack_->PrepareCredentials("edge-revoked").ok());
  EXPECT_TRUE(AwaitJobState("after_revoke", "success", 60));
  EXPECT_EQ(Query("SELECT count(*) FROM edgectl_worker_token WHERE worker_name = "
                  "'edge-revoked'"),
            "1");
}

TEST_F(TokenEndToEndTest, ATokenFileOthersCanReadIsRefused) {
  ASSERT_TRUE(stack_->PrepareCredentials("edge-loose").ok());
  chmod(stack_->token_file("edge-loose").c_str(), 0644);
  absl::StatusOr<CommandOutput> run = ChildProcess::RunToCompletion(
      {stack_->options().edgectl_binary, "worker", "-H", "edge-loose",
       "--controlplane-address=" + stack_->controlplane_address()},
      stack_->WorkerEnv("edge-loose"), work_dir_, absl::Seconds(60));
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->exit_code, 1);
  EXPECT_NE(run->combined().find("readable by group or others (mode 0644)"), std::string::npos)
      << run->combined();
  EXPECT_NE(run->combined().find("chmod 600"), std::string::npos);
  EXPECT_EQ(WorkerState("edge-loose"), "");
}

}  // namespace
}  // namespace edgectl::e2e
