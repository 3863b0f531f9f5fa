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
                    std::optional<std::string> listener_dsn = std::nullopt,
                    absl::Duration state_poll = absl::Seconds(1)) {
    if (trigger) {
      pqxx::connection conn(dsn_);
      ASSERT_TRUE(db::InstallNotifyTrigger(conn).ok());
    }
    auto options = TestOptions(dsn_);
    options.notify_poll_interval = notify_poll;
    options.notify_idle_poll_interval = absl::Hours(1);
    options.state_poll_interval = state_poll;
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

TEST_F(DispatchNotifyTest, CentralWorkerChangesArriveOnNotificationAndIdleRoundsReadNoRow) {
  StartSidecar(/*trigger=*/true, /*notify_poll=*/absl::Hours(1), std::nullopt,
               /*state_poll=*/absl::Milliseconds(20));
  const controlplane::WorkerStateWatcher& watcher = sidecar_->server().state_watcher();
  ASSERT_TRUE(WaitUntil([&] { return watcher.listening(); }));
  auto w1 = Connect("w1", "a");
  auto w2 = Connect("w2", "b");
  // Twenty rounds of the watcher with nothing changing: not one edge_worker row is read.
  uint64_t rounds = watcher.rounds();
  const uint64_t rows = watcher.rows_requested();
  ASSERT_TRUE(WaitUntil([&] { return watcher.rounds() >= rounds + 20; }));
  EXPECT_EQ(watcher.rows_requested(), rows);

  // `edgectl remote-edge-worker-request-maintenance` as edge3 does it: that worker hears it,
  // after one row read; the other hears nothing.
  Exec(dsn_, "UPDATE edge_worker SET state = 'maintenance request', maintenance_comment = "
             "'disk swap' WHERE worker_name = 'w2'");
  ASSERT_TRUE(w2->WaitForEvent([](const v1::ServerEvent& e) {
    return e.has_state_change() && e.state_change().state() == "maintenance request";
  }));
  EXPECT_EQ(watcher.rows_requested(), rows + 1);
  for (const v1::ServerEvent& e : w1->Events()) EXPECT_FALSE(e.has_state_change());

  // A worker's own heartbeat-like writes notify nothing: still one row read in total.
  Exec(dsn_, "UPDATE edge_worker SET last_update = now(), jobs_active = 1, state = 'running' "
             "WHERE worker_name = 'w1'");
  rounds = watcher.rounds();
  ASSERT_TRUE(WaitUntil([&] { return watcher.rounds() >= rounds + 20; }));
  EXPECT_EQ(watcher.rows_requested(), rows + 1);

  // `edgectl token revoke`: w1's stream ends with UNAUTHENTICATED, w2's stays.
  Exec(dsn_, "DELETE FROM edgectl_worker_token WHERE worker_name = 'w1'");
  ASSERT_TRUE(WaitUntil([&] { return w1->done(); }));
  EXPECT_EQ(w1->status().error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << w1->status().error_message();
  EXPECT_FALSE(w2->done());
}

}  // namespace
}  // namespace edgectl::testing
