#include "controlplane/db/notify_trigger.h"

#include "absl/strings/str_cat.h"
#include "controlplane/db/pg_status.h"

namespace edgectl::db {
namespace {

// RETURN NULL: the return value of an AFTER trigger is ignored. pg_notify() rather than NOTIFY
// so the payload is a value, not spliced SQL.
std::string CreateFunctionSql() {
  return absl::StrCat("CREATE OR REPLACE FUNCTION ", kNotifyFunction,
                      "() RETURNS trigger LANGUAGE plpgsql AS $edgectl$ BEGIN "
                      "PERFORM pg_notify('",
                      kNotifyChannel,
                      "', NEW.queue); RETURN NULL; END $edgectl$");
}

// A row trigger with a WHEN clause: PostgreSQL evaluates the condition without calling the
// function for rows that are not queued (the scheduler's and workers' other state changes).
// Only UPDATEs of state or queue fire it; edge3's heartbeats and log writes never do.
std::string CreateTriggerSql() {
  return absl::StrCat("CREATE TRIGGER ", kNotifyTrigger,
                      " AFTER INSERT OR UPDATE OF state, queue ON edge_job FOR EACH ROW "
                      "WHEN (NEW.state = 'queued') EXECUTE FUNCTION ",
                      kNotifyFunction, "()");
}

constexpr char kInstalledSql[] =
    "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "WHERE c.oid = to_regclass('edge_job') AND t.tgname = $1 AND t.tgenabled <> 'D'";

}  // namespace

std::string NotifyTriggerRemovalSql() {
  return absl::StrCat("DROP TRIGGER IF EXISTS ", kNotifyTrigger, " ON edge_job;\n",
                      "DROP FUNCTION IF EXISTS ", kNotifyFunction, "();\n");
}

absl::Status InstallNotifyTrigger(pqxx::connection& conn) {
  return RunPg("install the edge_job notification trigger", [&] {
    pqxx::work tx(conn);
    tx.exec0(CreateFunctionSql());
    tx.exec0(absl::StrCat("DROP TRIGGER IF EXISTS ", kNotifyTrigger, " ON edge_job"));
    tx.exec0(CreateTriggerSql());
    tx.commit();
  });
}

absl::Status RemoveNotifyTrigger(pqxx::connection& conn) {
  return RunPg("remove the edge_job notification trigger", [&] {
    pqxx::work tx(conn);
    // DROP TRIGGER ... ON edge_job fails when edge_job itself is gone; then so is the trigger.
    if (!tx.exec("SELECT to_regclass('edge_job') IS NOT NULL")[0][0].as<bool>()) {
      tx.exec0(absl::StrCat("DROP FUNCTION IF EXISTS ", kNotifyFunction, "()"));
    } else {
      tx.exec0(NotifyTriggerRemovalSql());
    }
    tx.commit();
  });
}

bool NotifyTriggerInstalledIn(pqxx::transaction_base& tx) {
  return tx.exec_params(kInstalledSql, kNotifyTrigger)[0][0].as<int>() > 0;
}

absl::StatusOr<bool> NotifyTriggerInstalled(pqxx::connection& conn) {
  return RunPg("check the edge_job notification trigger", [&] {
    pqxx::read_transaction tx(conn);
    return NotifyTriggerInstalledIn(tx);
  });
}

}  // namespace edgectl::db
