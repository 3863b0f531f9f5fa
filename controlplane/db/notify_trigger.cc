#include "controlplane/db/notify_trigger.h"

#include "absl/strings/str_cat.h"
#include "controlplane/db/pg_status.h"

namespace edgectl::db {
namespace {

struct TriggerSpec {
  const char* table;
  const char* function;
  const char* trigger;
  const char* channel;
  const char* payload;  // NEW.<column> or OLD.<column>
  const char* timing;   // what fires it, before ON <table>
  const char* when;     // the row condition PostgreSQL evaluates without calling the function
};

// Row triggers with WHEN clauses: the function is not even called for the rows most writes
// touch (the scheduler's and workers' other state changes, heartbeats, log writes).
const TriggerSpec kTriggers[] = {
    {"edge_job", kNotifyFunction, kNotifyTrigger, kNotifyChannel, "NEW.queue",
     "AFTER INSERT OR UPDATE OF state, queue", "NEW.state = 'queued'"},
    {"edge_worker", kWorkerNotifyFunction, kWorkerNotifyTrigger, kWorkerChannel,
     "NEW.worker_name", "AFTER UPDATE",
     "(OLD.state IS DISTINCT FROM NEW.state AND NEW.state IN ('maintenance request', "
     "'maintenance exit', 'shutdown request')) OR OLD.queues IS DISTINCT FROM NEW.queues OR "
     "OLD.concurrency IS DISTINCT FROM NEW.concurrency"},
    {"edgectl_worker_token", kTokenNotifyFunction, kTokenNotifyTrigger, kTokenChannel,
     "OLD.worker_name", "AFTER DELETE", "true"},
};

// RETURN NULL: the return value of an AFTER trigger is ignored. pg_notify() rather than NOTIFY
// so the payload is a value, not spliced SQL.
std::string CreateFunctionSql(const TriggerSpec& t) {
  return absl::StrCat("CREATE OR REPLACE FUNCTION ", t.function,
                      "() RETURNS trigger LANGUAGE plpgsql AS $edgectl$ BEGIN "
                      "PERFORM pg_notify('",
                      t.channel, "', ", t.payload, "); RETURN NULL; END $edgectl$");
}

std::string CreateTriggerSql(const TriggerSpec& t) {
  return absl::StrCat("CREATE TRIGGER ", t.trigger, " ", t.timing, " ON ", t.table,
                      " FOR EACH ROW WHEN (", t.when, ") EXECUTE FUNCTION ", t.function, "()");
}

constexpr char kInstalledSql[] =
    "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "WHERE t.tgname LIKE 'edgectl\\_%' AND t.tgenabled <> 'D' "
    "AND c.oid IN (to_regclass('edge_job'), to_regclass('edge_worker'), "
    "to_regclass('edgectl_worker_token'))";

}  // namespace

std::string NotifyTriggerRemovalSql() {
  std::string sql;
  for (const TriggerSpec& t : kTriggers) {
    absl::StrAppend(&sql, "DROP TRIGGER IF EXISTS ", t.trigger, " ON ", t.table, ";\n",
                    "DROP FUNCTION IF EXISTS ", t.function, "();\n");
  }
  return sql;
}

absl::Status InstallNotifyTrigger(pqxx::connection& conn) {
  return RunPg("install the notification triggers", [&] {
    pqxx::work tx(conn);
    for (const TriggerSpec& t : kTriggers) {
      tx.exec0(CreateFunctionSql(t));
      tx.exec0(absl::StrCat("DROP TRIGGER IF EXISTS ", t.trigger, " ON ", t.table));
      tx.exec0(CreateTriggerSql(t));
    }
    tx.commit();
  });
}

absl::Status RemoveNotifyTrigger(pqxx::connection& conn) {
  return RunPg("remove the notification triggers", [&] {
    pqxx::work tx(conn);
    for (const TriggerSpec& t : kTriggers) {
      // DROP TRIGGER ... ON <table> fails when the table itself is gone; then so is the trigger.
      if (tx.exec_params1("SELECT to_regclass($1) IS NOT NULL", t.table)[0].as<bool>()) {
        tx.exec0(absl::StrCat("DROP TRIGGER IF EXISTS ", t.trigger, " ON ", t.table));
      }
      tx.exec0(absl::StrCat("DROP FUNCTION IF EXISTS ", t.function, "()"));
    }
    tx.commit();
  });
}

NotifyTriggers NotifyTriggersInstalledIn(pqxx::transaction_base& tx) {
  NotifyTriggers found;
  for (const pqxx::row& row : tx.exec(kInstalledSql)) {
    const std::string table = row[0].as<std::string>();
    const std::string trigger = row[1].as<std::string>();
    found.edge_job |= table == "edge_job" && trigger == kNotifyTrigger;
    found.edge_worker |= table == "edge_worker" && trigger == kWorkerNotifyTrigger;
    found.worker_token |= table == "edgectl_worker_token" && trigger == kTokenNotifyTrigger;
  }
  return found;
}

absl::StatusOr<NotifyTriggers> NotifyTriggersInstalled(pqxx::connection& conn) {
  return RunPg("check the notification triggers", [&] {
    pqxx::read_transaction tx(conn);
    return NotifyTriggersInstalledIn(tx);
  });
}

}  // namespace edgectl::db
