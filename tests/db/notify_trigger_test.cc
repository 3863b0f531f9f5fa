// The optional notification triggers (controlplane/db/notify_trigger.h) on a real PostgreSQL:
// installing and removing them is idempotent, they are not schema drift, and a LISTENing
// connection hears exactly the edge_job rows that become 'queued' (payload: the queue), the
// edge_worker rows the centre changes (payload: the worker) and revoked tokens.
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "controlplane/db/notify_trigger.h"
#include "controlplane/db/schema_installer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fixtures/postgres_server.h"

namespace edgectl::db {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class Heard : public pqxx::notification_receiver {
 public:
  Heard(pqxx::connection& c, const std::string& channel) : notification_receiver(c, channel) {}
  void operator()(const std::string& payload, int) override { payloads.push_back(payload); }
  std::vector<std::string> payloads;
};

// Blocks until `heard` has at least `n` payloads (the test's own timeout bounds it).
void AwaitPayloads(pqxx::connection& conn, Heard& heard, size_t n) {
  while (heard.payloads.size() < n) conn.await_notification(1, 0);
}

void InsertJob(pqxx::connection& conn, const std::string& task, const std::string& state,
               const std::string& queue) {
  pqxx::work tx(conn);
  tx.exec_params(
      "INSERT INTO edge_job (dag_id, task_id, run_id, try_number, state, queue, "
      "concurrency_slots, command, queued_dttm, last_update) "
      "VALUES ('d', $1, 'r', 1, $2, $3, 1, '{}', now(), now())",
      task, state, queue);
  tx.commit();
}

void Notify(pqxx::connection& conn, const std::string& payload) {
  pqxx::nontransaction tx(conn);
  tx.exec_params("SELECT pg_notify($1, $2)", kNotifyChannel, payload);
}

TEST(NotifyTriggerTest, InstallIsIdempotentAndIsNotSchemaDrift) {
  const std::string dsn = testing::CreateEdgeDatabase("notify_install");
  ASSERT_FALSE(dsn.empty());
  pqxx::connection conn(dsn);
  ASSERT_TRUE(NotifyTriggersInstalled(conn).value().none());
  ASSERT_TRUE(InstallNotifyTrigger(conn).ok());
  ASSERT_TRUE(InstallNotifyTrigger(conn).ok());  // again: replaced, not doubled
  EXPECT_TRUE(NotifyTriggersInstalled(conn).value().all());
  {
    pqxx::read_transaction tx(conn);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'edgectl\\_%'")[0]
                  .as<int>(),
              3);
  }
  absl::StatusOr<SchemaCheck> drift = CheckSchema(conn);
  ASSERT_TRUE(drift.ok()) << drift.status();
  EXPECT_THAT(drift->problems, IsEmpty());
  EXPECT_TRUE(drift->ok()) << drift->unservable;

  ASSERT_TRUE(RemoveNotifyTrigger(conn).ok());
  ASSERT_TRUE(RemoveNotifyTrigger(conn).ok());
  EXPECT_TRUE(NotifyTriggersInstalled(conn).value().none());
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM pg_proc WHERE proname LIKE 'edgectl\\_%'")[0]
                .as<int>(),
            0);
}

TEST(NotifyTriggerTest, QueuedRowsNotifyTheirQueueAndOtherChangesDoNot) {
  const std::string dsn = testing::CreateEdgeDatabase("notify_fires");
  ASSERT_FALSE(dsn.empty());
  pqxx::connection admin(dsn);
  ASSERT_TRUE(InstallNotifyTrigger(admin).ok());
  pqxx::connection listener(dsn);
  Heard heard(listener, kNotifyChannel);

  InsertJob(admin, "t1", "running", "not-queued");  // fires nothing
  InsertJob(admin, "t2", "queued", "site-a");
  AwaitPayloads(listener, heard, 1);
  EXPECT_THAT(heard.payloads, ElementsAre("site-a"));

  // A heartbeat-like update (last_update only) and a claim (queued -> restarting) stay silent;
  // a requeue (restarting -> queued) notifies again.
  {
    pqxx::work tx(admin);
    tx.exec0("UPDATE edge_job SET last_update = now()");
    tx.exec0("UPDATE edge_job SET state = 'restarting', edge_worker = 'w' WHERE task_id = 't2'");
    tx.commit();
  }
  {
    pqxx::work tx(admin);
    tx.exec0("UPDATE edge_job SET state = 'queued', edge_worker = NULL WHERE task_id = 't2'");
    tx.commit();
  }
  AwaitPayloads(listener, heard, 2);
  EXPECT_THAT(heard.payloads, ElementsAre("site-a", "site-a"));

  // Many rows of one queue in one transaction: PostgreSQL folds them into one notification.
  {
    pqxx::work tx(admin);
    for (int i = 0; i < 50; ++i) {
      tx.exec_params(
          "INSERT INTO edge_job (dag_id, task_id, run_id, try_number, state, queue, "
          "concurrency_slots, command) VALUES ('d', $1, 'r', 1, 'queued', 'bulk', 1, '{}')",
          "bulk" + std::to_string(i));
    }
    tx.commit();
  }
  Notify(admin, "marker");
  AwaitPayloads(listener, heard, 4);
  EXPECT_THAT(heard.payloads, ElementsAre("site-a", "site-a", "bulk", "marker"));

  // Removed: a queued insert is silent (the marker sent after it arrives next).
  ASSERT_TRUE(RemoveNotifyTrigger(admin).ok());
  InsertJob(admin, "t3", "queued", "site-b");
  Notify(admin, "marker2");
  AwaitPayloads(listener, heard, 5);
  EXPECT_THAT(heard.payloads, ElementsAre("site-a", "site-a", "bulk", "marker", "marker2"));
}

TEST(NotifyTriggerTest, RemovalWorksWithoutEdgeJob) {
  absl::StatusOr<std::string> dsn = testing::SharedPostgres().CreateDatabase("notify_empty");
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  pqxx::connection conn(*dsn);
  EXPECT_TRUE(NotifyTriggersInstalled(conn).value().none());
  EXPECT_TRUE(RemoveNotifyTrigger(conn).ok());
  EXPECT_FALSE(InstallNotifyTrigger(conn).ok());  // no edge_job: a clear error, nothing half-made
  EXPECT_TRUE(NotifyTriggersInstalled(conn).value().none());
}

void Exec(pqxx::connection& conn, const std::string& sql) {
  pqxx::work tx(conn);
  tx.exec0(sql);
  tx.commit();
}

TEST(NotifyTriggerTest, CentralWorkerChangesAndRevokedTokensNotifyTheWorkerAndHeartbeatsDoNot) {
  const std::string dsn = testing::CreateEdgeDatabase("notify_workers");
  ASSERT_FALSE(dsn.empty());
  pqxx::connection admin(dsn);
  ASSERT_TRUE(InstallNotifyTrigger(admin).ok());
  Exec(admin,
       "INSERT INTO edge_worker (worker_name, state, queues, jobs_active, concurrency, "
       "last_update) VALUES ('w1', 'idle', '[\"a\"]', 0, 4, now()), "
       "('w2', 'idle', NULL, 0, 4, now())");
  Exec(admin,
       "INSERT INTO edgectl_worker_token (token_sha256, worker_name) VALUES "
       "(repeat('a', 64), 'w1'), (repeat('b', 64), 'w2')");
  pqxx::connection listener(dsn);
  Heard workers(listener, kWorkerChannel);
  Heard tokens(listener, kTokenChannel);
  Heard marker(listener, "marker");
  auto settle = [&] {  // everything committed before the marker has been heard by then
    pqxx::nontransaction(admin).exec("SELECT pg_notify('marker', '')");
    const size_t before = marker.payloads.size();
    while (marker.payloads.size() == before) listener.await_notification(1, 0);
  };

  // Heartbeats (last_update, jobs_active, sysinfo, the worker's own idle <-> running): silent.
  Exec(admin, "UPDATE edge_worker SET last_update = now(), jobs_active = 1, state = 'running', "
              "sysinfo = '{}' WHERE worker_name = 'w1'");
  Exec(admin, "UPDATE edge_worker SET state = 'idle' WHERE worker_name = 'w1'");
  settle();
  EXPECT_THAT(workers.payloads, IsEmpty());

  // The centre's requests, queue and concurrency changes: the worker's name, once each.
  Exec(admin, "UPDATE edge_worker SET state = 'maintenance request', maintenance_comment = 'x' "
              "WHERE worker_name = 'w1'");
  Exec(admin, "UPDATE edge_worker SET queues = '[\"a\", \"b\"]' WHERE worker_name = 'w2'");
  Exec(admin, "UPDATE edge_worker SET concurrency = 8 WHERE worker_name = 'w2'");
  Exec(admin, "UPDATE edge_worker SET state = 'shutdown request' WHERE worker_name = 'w2'");
  settle();
  EXPECT_THAT(workers.payloads, ElementsAre("w1", "w2", "w2", "w2"));

  // Revoking a token names its worker; issuing one does not.
  Exec(admin, "INSERT INTO edgectl_worker_token (token_sha256, worker_name) VALUES "
              "(repeat('c', 64), 'w2')");
  Exec(admin, "DELETE FROM edgectl_worker_token WHERE worker_name = 'w1'");
  settle();
  EXPECT_THAT(tokens.payloads, ElementsAre("w1"));

  ASSERT_TRUE(RemoveNotifyTrigger(admin).ok());
  Exec(admin, "UPDATE edge_worker SET concurrency = 2 WHERE worker_name = 'w2'");
  Exec(admin, "DELETE FROM edgectl_worker_token");
  settle();
  EXPECT_THAT(workers.payloads, ElementsAre("w1", "w2", "w2", "w2"));
  EXPECT_THAT(tokens.payloads, ElementsAre("w1"));
}

}  // namespace
}  // namespace edgectl::db
