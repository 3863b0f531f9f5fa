// Push dispatch through the real sidecar: queued edge_job rows reach connected workers without
// polling, within free slots and queues; lost dispatches are requeued and handed out again;
// acknowledgements stop the requeue.
#include <gtest/gtest.h>

#include <set>

#include "tests/controlplane/sidecar_harness.h"
#include "tests/fakes/manual_clock.h"
#include "tests/fixtures/edge_database.h"

namespace edgectl::testing {
namespace {

using Endpoint = FakeEdgeApi::Endpoint;

class DispatchTest : public ::testing::Test {
 protected:
  void StartSidecar(absl::Duration ack_timeout = absl::Seconds(30),
                    const controlplane::Clock* clock = nullptr) {
    dsn_ = CreateEdgeDatabase("cp_dispatch");
    ASSERT_FALSE(dsn_.empty());
    api_ = std::make_shared<FakeEdgeApi>(dsn_);
    auto options = TestOptions(dsn_);
    options.ack_timeout = ack_timeout;
    sidecar_ = std::make_unique<Sidecar>(dsn_, api_, options, clock);
    ASSERT_TRUE(sidecar_->Start());
  }

  std::unique_ptr<ConnectClient> Connect(const std::string& name, int free,
                                         std::optional<std::vector<std::string>> queues) {
    EXPECT_TRUE(RegisterWorker(*sidecar_->StubFor(name), name, queues).ok());
    auto client = std::make_unique<ConnectClient>(sidecar_->StubFor(name),
                                                  ConnectRequestFor(name, free, queues));
    EXPECT_TRUE(client->WaitForEvent([](const v1::ServerEvent& e) { return e.has_welcome(); }));
    return client;
  }

  v1::JobStateAck Report(const std::string& worker, const v1::Job& job, const std::string& state,
                         uint64_t sequence, int free, grpc::Status* status = nullptr) {
    v1::JobStateReport report;
    report.set_worker_name(worker);
    *report.mutable_key() = job.key();
    report.set_state(state);
    report.set_sequence(sequence);
    report.set_dispatch_id(job.dispatch_id());
    report.set_free_concurrency(free);
    v1::JobStateAck ack;
    grpc::ClientContext ctx;
    grpc::Status s = sidecar_->StubFor(worker)->ReportJobState(&ctx, report, &ack);
    if (status) *status = s;
    EXPECT_TRUE(status || s.ok()) << s.error_message();
    return ack;
  }

  ManualClock clock_;
  std::string dsn_;
  std::shared_ptr<FakeEdgeApi> api_;
  std::unique_ptr<Sidecar> sidecar_;
};

TEST_F(DispatchTest, QueuedJobIsPushedToAConnectedWorker) {
  StartSidecar();
  auto worker = Connect("w1", 2, std::vector<std::string>{"default"});
  const v1::JobKey key = EnqueueJob(dsn_, "t1");
  ASSERT_TRUE(worker->WaitForJobs(1));
  const v1::Job job = worker->Jobs()[0];
  EXPECT_EQ(job.key().task_id(), "t1");
  EXPECT_EQ(job.key().task_instance_id(), key.task_instance_id());
  EXPECT_NE(job.dispatch_id(), 0u);
  EXPECT_EQ(job.concurrency_slots(), 1);
  EXPECT_NE(job.command().find("ExecuteTask"), std::string::npos);
  EXPECT_EQ(JobRow(dsn_, "t1"), std::make_pair(std::string("restarting"), std::string("w1")));
  // The welcome came first.
  EXPECT_TRUE(worker->Events()[0].has_welcome());
  EXPECT_EQ(worker->Events()[0].welcome().state(), "starting");
}

TEST_F(DispatchTest, NeverBeyondFreeSlotsNorToAWorkerNotServingTheQueue) {
  StartSidecar();
  auto gpu = Connect("gpu-worker", 1, std::vector<std::string>{"gpu"});
  EnqueueJob(dsn_, "gpu1", "gpu");
  EnqueueJob(dsn_, "gpu2", "gpu");
  EnqueueJob(dsn_, "big", "gpu", /*pool_slots=*/2);
  for (int i = 0; i < 3; ++i) EnqueueJob(dsn_, "default" + std::to_string(i), "default");
  ASSERT_TRUE(gpu->WaitForJobs(1));

  // A worker for "default" connects and gets those jobs: the dispatcher kept running all along,
  // yet the gpu worker (1 free slot, dispatch unacknowledged) got nothing more.
  auto other = Connect("default-worker", 5, std::vector<std::string>{"default"});
  ASSERT_TRUE(other->WaitForJobs(3));
  std::set<std::string> tasks;
  for (const v1::Job& j : other->Jobs()) tasks.insert(j.key().task_id());
  EXPECT_EQ(tasks, (std::set<std::string>{"default0", "default1", "default2"}));
  EXPECT_EQ(gpu->Jobs().size(), 1u);
  EXPECT_EQ(JobRow(dsn_, "big").first, "queued");

  // Acked running with 0 free: still nothing. Finished with 1 free: the next 1-slot gpu job,
  // never the 2-slot one.
  const v1::Job first = gpu->Jobs()[0];
  Report("gpu-worker", first, "running", 1, 0);
  Report("gpu-worker", first, "success", 2, 1);
  ASSERT_TRUE(gpu->WaitForJobs(2));
  EXPECT_EQ(gpu->Jobs()[1].key().task_id(), first.key().task_id() == "gpu1" ? "gpu2" : "gpu1");
  EXPECT_EQ(other->Jobs().size(), 3u);
  EXPECT_EQ(JobRow(dsn_, "big").first, "queued");
}

TEST_F(DispatchTest, WorkerInMaintenanceGetsNothing) {
  StartSidecar();
  auto worker = Connect("w1", 4, std::nullopt);
  v1::HeartbeatRequest hb;
  hb.set_worker_name("w1");
  *hb.mutable_body() = RegisterRequestFor("w1", std::nullopt).body();
  hb.mutable_body()->set_state("maintenance mode");
  hb.set_free_concurrency(4);
  v1::HeartbeatResponse reply;
  grpc::ClientContext ctx;
  ASSERT_TRUE(sidecar_->StubFor("w1")->Heartbeat(&ctx, hb, &reply).ok());
  EnqueueJob(dsn_, "held");
  auto probe = Connect("probe", 1, std::vector<std::string>{"probe"});
  EnqueueJob(dsn_, "probe-job", "probe");
  ASSERT_TRUE(probe->WaitForJobs(1));  // the dispatcher ran with "held" queued
  EXPECT_TRUE(worker->Jobs().empty());
  EXPECT_EQ(JobRow(dsn_, "held").first, "queued");
}

TEST_F(DispatchTest, JobOfAWorkerThatDroppedItsStreamGoesToAnotherWorker) {
  StartSidecar(/*ack_timeout=*/absl::Milliseconds(500));
  auto lost = Connect("lost", 1, std::nullopt);
  EnqueueJob(dsn_, "t1");
  ASSERT_TRUE(lost->WaitForJobs(1));
  lost->Cancel();  // vanished before acknowledging
  auto rescuer = Connect("rescuer", 1, std::nullopt);
  ASSERT_TRUE(rescuer->WaitForJobs(1));
  EXPECT_EQ(rescuer->Jobs()[0].key().task_id(), "t1");
  EXPECT_NE(rescuer->Jobs()[0].dispatch_id(), lost->Jobs()[0].dispatch_id());
  EXPECT_EQ(JobRow(dsn_, "t1"), std::make_pair(std::string("restarting"),
                                                std::string("rescuer")));
  EXPECT_GE(sidecar_->server().metrics().dispatches_requeued(), 1u);
}

TEST_F(DispatchTest, UnacknowledgedJobIsRequeuedAndAcknowledgedOneIsNot) {
  StartSidecar(/*ack_timeout=*/absl::Milliseconds(500));
  auto silent = Connect("silent", 1, std::vector<std::string>{"a"});
  auto acker = Connect("acker", 1, std::vector<std::string>{"b"});
  EnqueueJob(dsn_, "ta", "a");
  EnqueueJob(dsn_, "tb", "b");
  ASSERT_TRUE(acker->WaitForJobs(1));
  Report("acker", acker->Jobs()[0], "running", 1, 0);
  // The silent worker never claims: the job goes back to queued, and the silent worker gets
  // nothing more until it shows life (it may be frozen).
  ASSERT_TRUE(silent->WaitForJobs(1));
  ASSERT_TRUE(WaitUntil([&] { return JobRow(dsn_, "ta").first == "queued"; }));
  EXPECT_GE(sidecar_->server().metrics().dispatches_requeued(), 1u);
  auto probe = Connect("probe", 1, std::vector<std::string>{"probe"});
  EnqueueJob(dsn_, "probe-job", "probe");
  ASSERT_TRUE(probe->WaitForJobs(1));  // dispatch rounds ran with "ta" queued
  EXPECT_EQ(silent->Jobs().size(), 1u);
  EXPECT_EQ(JobRow(dsn_, "ta").first, "queued");
  // A heartbeat is a sign of life: it is handed out again, with a new dispatch id.
  v1::HeartbeatRequest hb;
  hb.set_worker_name("silent");
  *hb.mutable_body() = RegisterRequestFor("silent", std::nullopt).body();
  hb.set_free_concurrency(1);
  v1::HeartbeatResponse reply;
  grpc::ClientContext ctx;
  ASSERT_TRUE(sidecar_->StubFor("silent")->Heartbeat(&ctx, hb, &reply).ok());
  ASSERT_TRUE(silent->WaitForJobs(2));
  EXPECT_EQ(silent->Jobs()[1].key().task_id(), "ta");
  EXPECT_NE(silent->Jobs()[1].dispatch_id(), silent->Jobs()[0].dispatch_id());
  // The acknowledged job stays with its worker, running, well past the ack timeout.
  EXPECT_EQ(JobRow(dsn_, "tb"), std::make_pair(std::string("running"), std::string("acker")));
  EXPECT_EQ(acker->Jobs().size(), 1u);
}

TEST_F(DispatchTest, ADeclinedJobIsQueuedAgainAtOnce) {
  StartSidecar(/*ack_timeout=*/absl::Seconds(30));
  auto busy = Connect("busy", 1, std::nullopt);
  EnqueueJob(dsn_, "t1");
  ASSERT_TRUE(busy->WaitForJobs(1));
  // The worker cannot run it after all (its slot went to something else): it gives it back,
  // saying it has no slot free, and the job does not wait out the 30 s ack timeout.
  v1::JobClaim decline;
  decline.set_worker_name("busy");
  *decline.mutable_key() = busy->Jobs()[0].key();
  decline.set_dispatch_id(busy->Jobs()[0].dispatch_id());
  decline.set_free_concurrency(0);
  decline.set_decline(true);
  v1::JobClaimReply reply;
  grpc::ClientContext ctx;
  ASSERT_TRUE(sidecar_->StubFor("busy")->ClaimJob(&ctx, decline, &reply).ok());
  EXPECT_FALSE(reply.granted());
  EXPECT_EQ(JobRow(dsn_, "t1"), std::make_pair(std::string("queued"), std::string("")));
  auto other = Connect("other", 1, std::nullopt);
  ASSERT_TRUE(other->WaitForJobs(1));
  EXPECT_EQ(other->Jobs()[0].key().task_id(), "t1");
  EXPECT_EQ(busy->Jobs().size(), 1u);  // it said it had no slot free
}

TEST_F(DispatchTest, AcknowledgementAfterReconnectCountsThroughRunningJobs) {
  StartSidecar(/*ack_timeout=*/absl::Seconds(30), &clock_);
  auto first = Connect("w1", 1, std::nullopt);
  EnqueueJob(dsn_, "t1");
  ASSERT_TRUE(first->WaitForJobs(1));
  const v1::Job job = first->Jobs()[0];
  first->Cancel();
  // The worker reconnects at once and says it runs the job: no requeue.
  v1::ConnectRequest again = ConnectRequestFor("w1", 0, std::nullopt);
  *again.add_running_jobs() = job.key();
  ConnectClient second(sidecar_->StubFor("w1"), again);
  ASSERT_TRUE(second.WaitForEvent([](const v1::ServerEvent& e) { return e.has_welcome(); }));
  auto probe = Connect("probe", 1, std::vector<std::string>{"probe"});
  // Past the ack timeout: a probe job enqueued afterwards is delivered, so the dispatcher has
  // run its expiry check after the clock moved.
  clock_.Advance(absl::Minutes(2));
  EnqueueJob(dsn_, "probe-job", "probe");
  ASSERT_TRUE(probe->WaitForJobs(1));
  EXPECT_EQ(JobRow(dsn_, "t1"), std::make_pair(std::string("restarting"), std::string("w1")));
  EXPECT_EQ(sidecar_->server().metrics().dispatches_requeued(), 0u);
}

TEST_F(DispatchTest, FetchFailureIsRetriedOnTheNextRound) {
  StartSidecar();
  api_->FailNext(Endpoint::kFetchJob, absl::UnavailableError("HTTP 503"), 2);
  auto worker = Connect("w1", 1, std::nullopt);
  EnqueueJob(dsn_, "t1");
  ASSERT_TRUE(worker->WaitForJobs(1));
  EXPECT_GE(api_->Calls(Endpoint::kFetchJob), 3);
}

TEST_F(DispatchTest, ANewConnectReplacesTheOldStream) {
  StartSidecar();
  auto first = Connect("w1", 1, std::nullopt);
  ConnectClient second(sidecar_->StubFor("w1"), ConnectRequestFor("w1", 1, std::nullopt));
  ASSERT_TRUE(WaitUntil([&] { return first->done(); }));
  EXPECT_EQ(first->status().error_code(), grpc::StatusCode::CANCELLED);
  EnqueueJob(dsn_, "t1");
  ASSERT_TRUE(second.WaitForJobs(1));
  EXPECT_TRUE(first->Jobs().empty());
}

}  // namespace
}  // namespace edgectl::testing
