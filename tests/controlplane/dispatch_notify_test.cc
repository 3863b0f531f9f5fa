// Event-driven dispatch through the real sidecar and PostgreSQL (controlplane/job_dispatcher.h,
// job_notify_listener.h, db/notify_trigger.h): with the edge_job trigger a queued job is
// dispatched on its NOTIFY (the timer poll is set to an hour, so nothing else could), an idle
// sidecar sends no dispatch queries while its loop keeps waking, and without the trigger, with a
// listener that cannot connect, or with the LISTEN session killed, jobs still run (polling).
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "controlplane/db/notify_trigger.h"
#include "tests/controlplane/sidecar_harness.h"
#include "tests/fixtures/edge_database.h"

namespace edgectl::testing {
namespace {

using controlplane::WakeCause;

class DispatchNotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dsn_ = CreateEdgeDatabase("cp_notify");
    ASSERT_FALSE(dsn_.empty());
    api_ = std::make_shared<FakeEdgeApi>(dsn_);
  }

  // `notify_poll`: the timer while listening.
  void StartSidecar(bool trigger, absl::Duration notify_poll,
                    std::optional<std::string> listener_dsn = std::nullopt) {
    if (trigger) {
      pqxx::connection conn(dsn_);
      ASSERT_TRUE(db::InstallNotifyTrigger(conn).ok());
    }
    auto options = TestOptions(dsn_);
    options.notify_poll_interval = notify_poll;
    options.notify_idle_poll_interval = absl::Hours(1);
    if (listener_dsn) options.notify_database = *ParseDatabaseUrl(*listener_dsn);
    sidecar_ = std::make_unique<Sidecar>(dsn_, api_, options);
    ASSERT_TRUE(sidecar_->Start());
  }

  const controlplane::DispatchCounters& counters() {
    return sidecar_->server().metrics().dispatch();
  }

  std::unique_ptr<ConnectClient> Connect(const std::string& name, const std::string& queue) {
    const std::vector<std::string> queues{queue};
    EXPECT_TRUE(RegisterWorker(*sidecar_->StubFor(name), name, queues).ok());
    auto client = std::make_unique<ConnectClient>(sidecar_->StubFor(name),
                                                  ConnectRequestFor(name, 2, queues));
    EXPECT_TRUE(client->WaitForEvent([](const v1::ServerEvent& e) { return e.has_welcome(); }));
    return client;
  }

  std::string dsn_;
  std::shared_ptr<FakeEdgeApi> api_;
  std::unique_ptr<Sidecar> sidecar_;
};

TEST_F(DispatchNotifyTest, QueuedJobIsDispatchedOnItsNotification) {
  StartSidecar(/*trigger=*/true, /*notify_poll=*/absl::Hours(1));
  ASSERT_TRUE(WaitUntil([&] { return counters().listening(); }));
  auto worker = Connect("w1", "default");
  // Whatever the connect started has finished: the loop is idle, its timer an hour away.
  ASSERT_TRUE(WaitUntil([&] { return counters().queries() >= 1; }));
  const uint64_t notifications = counters().notifications();
  const uint64_t timer = counters().wakeups(WakeCause::kTimer);  // from before it listened
  EnqueueJob(dsn_, "t1");
  ASSERT_TRUE(worker->WaitForJobs(1));
  EXPECT_EQ(worker->Jobs()[0].key().task_id(), "t1");
  EXPECT_GT(counters().notifications(), notifications);
  EXPECT_GE(counters().wakeups(WakeCause::kNotify), 1u);
  EXPECT_EQ(counters().wakeups(WakeCause::kTimer), timer);  // the hour never passed
  // More jobs later, each by notification only.
  EnqueueJob(dsn_, "t2");
  ASSERT_TRUE(worker->WaitForJobs(2));
  EXPECT_EQ(counters().wakeups(WakeCause::kTimer), timer);
}

TEST_F(DispatchNotifyTest, IdleSidecarWithTheTriggerSendsNoDispatchQueries) {
  StartSidecar(/*trigger=*/true, /*notify_poll=*/absl::Milliseconds(20));
  ASSERT_TRUE(WaitUntil([&] { return counters().listening(); }));
  auto w1 = Connect("w1", "a");
  auto w2 = Connect("w2", "b");
  // Let the rounds the listener and the connects started run (one query each at most).
  ASSERT_TRUE(WaitUntil([&] { return counters().wakeups(WakeCause::kTimer) >= 3; }));
  const uint64_t queries = counters().queries();
  const uint64_t timer = counters().wakeups(WakeCause::kTimer);
  // Fifty more rounds of the loop, nothing queued: none of them asks PostgreSQL.
  ASSERT_TRUE(WaitUntil([&] { return counters().wakeups(WakeCause::kTimer) >= timer + 50; }));
  EXPECT_EQ(counters().queries(), queries);
  EXPECT_TRUE(w1->Jobs().empty());
  EXPECT_TRUE(w2->Jobs().empty());
}

TEST_F(DispatchNotifyTest, WithoutTheTriggerItPolls) {
  StartSidecar(/*trigger=*/false, /*notify_poll=*/absl::Hours(1));
  auto worker = Connect("w1", "default");
  EnqueueJob(dsn_, "t1");
  ASSERT_TRUE(worker->WaitForJobs(1));
  EXPECT_FALSE(counters().listening());
  EXPECT_EQ(counters().notifications(), 0u);
  EXPECT_GT(counters().wakeups(WakeCause::kTimer), 0u);
}

TEST_F(DispatchNotifyTest, AListenerThatCannotConnectFallsBackToPolling) {
  // The trigger is there, but the LISTEN session points at a port nobody listens on.
  StartSidecar(/*trigger=*/true, /*notify_poll=*/absl::Hours(1),
               "host=127.0.0.1 port=1 dbname=nothing connect_timeout=2");
  auto worker = Connect("w1", "default");
  EnqueueJob(dsn_, "t1");
  ASSERT_TRUE(worker->WaitForJobs(1));
  EXPECT_FALSE(counters().listening());
}

TEST_F(DispatchNotifyTest, AKilledListenerReconnectsAndNoJobIsLostOrDoubled) {
  StartSidecar(/*trigger=*/true, /*notify_poll=*/absl::Hours(1));
  ASSERT_TRUE(WaitUntil([&] { return counters().listening(); }));
  auto worker = Connect("w1", "default");
  const int first_pid = sidecar_->server().notify_backend_pid();
  ASSERT_NE(first_pid, 0);
  {
    pqxx::connection admin(dsn_);
    pqxx::nontransaction tx(admin);
    tx.exec_params("SELECT pg_terminate_backend($1)", first_pid);
  }
  EnqueueJob(dsn_, "t1");  // while the listener is down or reconnecting: polling finds it
  ASSERT_TRUE(worker->WaitForJobs(1));
  ASSERT_TRUE(WaitUntil(
      [&] {
        const int pid = sidecar_->server().notify_backend_pid();
        return pid != 0 && pid != first_pid && counters().listening();
      },
      absl::Seconds(20)));
  const uint64_t notifications = counters().notifications();
  EnqueueJob(dsn_, "t2");  // on the new session
  ASSERT_TRUE(worker->WaitForJobs(2));
  EXPECT_GT(counters().notifications(), notifications);
  std::set<std::string> tasks;
  for (const v1::Job& job : worker->Jobs()) tasks.insert(job.key().task_id());
  EXPECT_EQ(tasks, (std::set<std::string>{"t1", "t2"}));
  EXPECT_EQ(worker->Jobs().size(), 2u);  // none twice
}

}  // namespace
}  // namespace edgectl::testing
