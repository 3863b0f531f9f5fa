// End to end over TLS: the sidecar serves gRPC with a certificate, the worker verifies it with
// [edge] controlplane_tls_ca; a worker that does not trust it, or speaks plaintext, gets nowhere.
#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"

namespace edgectl::e2e {
namespace {

class TlsEndToEndTest : public EndToEndTest {
 protected:
  bool Tls() const override { return true; }
};

TEST_F(TlsEndToEndTest, WorkerRunsJobsOverVerifiedTls) {
  auto worker = stack_->StartWorker("edge-tls-1");
  ASSERT_TRUE(worker.ok()) << worker.status();
  TaskSpec spec;
  spec.task_id = "over_tls";
  spec.standin = {{"lines", 3}};
  QueuedJob job = Enqueue(spec);
  ASSERT_TRUE(AwaitJobState("over_tls", "success"));
  EXPECT_EQ(StoredLog("over_tls"), LogFile(job));
}

TEST_F(TlsEndToEndTest, PlaintextWorkerIsNotServed) {
  auto env = stack_->WorkerEnv("edge-plain");
  env.erase("AIRFLOW__EDGE__CONTROLPLANE_TLS_CA");
  auto worker = ChildProcess::Start(
      {stack_->options().edgectl_binary, "worker", "-H", "edge-plain",
       "--controlplane-address=" + stack_->controlplane_address()},
      env, work_dir_);
  ASSERT_TRUE(worker.ok());
  // It keeps retrying (the sidecar may just be down), but never registers.
  EXPECT_FALSE(Eventually(
      [&] { return !WorkerState("edge-plain").empty() || !(*worker)->Running(); },
      absl::Seconds(5)));
  EXPECT_EQ(WorkerState("edge-plain"), "");
}

TEST_F(TlsEndToEndTest, UntrustedCertificateIsRefused) {
  auto env = stack_->WorkerEnv("edge-untrusting");
  const std::string other_ca = work_dir_ + "/other-ca.pem";
  ASSERT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other "
                         "-keyout " + work_dir_ + "/other-key.pem -out " + other_ca +
                         " >/dev/null 2>&1").c_str()),
            0);
  env["AIRFLOW__EDGE__CONTROLPLANE_TLS_CA"] = other_ca;
  auto worker = ChildProcess::Start(
      {stack_->options().edgectl_binary, "worker", "-H", "edge-untrusting",
       "--controlplane-address=" + stack_->controlplane_address()},
      env, work_dir_);
  ASSERT_TRUE(worker.ok());
  EXPECT_FALSE(Eventually(
      [&] { return !WorkerState("edge-untrusting").empty() || !(*worker)->Running(); },
      absl::Seconds(5)));
  EXPECT_EQ(WorkerState("edge-untrusting"), "");
}

}  // namespace
}  // namespace edgectl::e2e
