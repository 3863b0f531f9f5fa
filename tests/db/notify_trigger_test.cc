// The optional edge_job notification trigger (controlplane/db/notify_trigger.h) on a real
// PostgreSQL: installing and removing it is idempotent, it is not schema drift, and a LISTENing
// connection hears exactly the rows that become 'queued' (payload: the queue).
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
  ASSERT_EQ(NotifyTriggerInstalled(conn).value(), false);
  ASSERT_TRUE(InstallNotifyTrigger(conn).ok());
  ASSERT_TRUE(InstallNotifyTrigger(conn).ok());  // again: replaced, not doubled
  EXPECT_EQ(NotifyTriggerInstalled(conn).value(), true);
  {
    pqxx::read_transaction tx(conn);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM pg_trigger WHERE tgname = 'edgectl_edge_job_notify'")
                  [0].as<int>(),
              1);
  }
  absl::StatusOr<SchemaCheck> drift = CheckSchema(conn);
  ASSERT_TRUE(drift.ok()) << drift.status();
  EXPECT_THAT(drift->problems, IsEmpty());
  EXPECT_TRUE(drift->ok()) << drift->unservable;

  ASSERT_TRUE(RemoveNotifyTrigger(conn).ok());
  ASSERT_TRUE(RemoveNotifyTrigger(conn).ok());
  EXPECT_EQ(NotifyTriggerInstalled(conn).value(), false);
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM pg_proc WHERE proname = 'edgectl_edge_job_notify'")
                [0].as<int>(),
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
  EXPECT_EQ(NotifyTriggerInstalled(conn).value(), false);
  EXPECT_TRUE(RemoveNotifyTrigger(conn).ok());
  EXPECT_FALSE(InstallNotifyTrigger(conn).ok());  // no edge_job: a clear error, nothing half-made
}

}  // namespace
}  // namespace edgectl::db
