#include "tests/admin/seed_workers.h"

#include <set>
#include <stdexcept>

namespace edgectl::admin::testing {
namespace {

const char* OrNull(const std::optional<std::string>& value) {
  return value.has_value() ? value->c_str() : nullptr;
}

}  // namespace

void InsertWorker(pqxx::connection& conn, const SeedWorker& worker) {
  pqxx::work tx(conn);
  std::optional<std::string> concurrency;
  if (worker.concurrency.has_value()) concurrency = std::to_string(*worker.concurrency);
  tx.exec_params0(
      "INSERT INTO edge_worker (worker_name, state, queues, maintenance_comment, jobs_active, "
      "sysinfo, concurrency, first_online, last_update) "
      "VALUES ($1, $2, $3, $4, $5, $6::json, $7::integer, now(), now())",
      worker.name, worker.state, OrNull(worker.queues_text), OrNull(worker.comment),
      worker.jobs_active, OrNull(worker.sysinfo), OrNull(concurrency));
  tx.commit();
}

std::optional<std::string> ReadColumn(pqxx::connection& conn, const std::string& name,
                                      const std::string& column) {
  static const std::set<std::string> kColumns = {"state", "queues", "maintenance_comment",
                                                 "jobs_active", "concurrency", "sysinfo"};
  if (kColumns.count(column) == 0) throw std::invalid_argument("unexpected column " + column);
  pqxx::read_transaction tx(conn);
  pqxx::result r = tx.exec_params(
      "SELECT " + column + "::text FROM edge_worker WHERE worker_name = $1", name);
  if (r.empty() || r[0][0].is_null()) return std::nullopt;
  return r[0][0].as<std::string>();
}

bool WorkerExists(pqxx::connection& conn, const std::string& name) {
  pqxx::read_transaction tx(conn);
  return !tx.exec_params("SELECT 1 FROM edge_worker WHERE worker_name = $1", name).empty();
}

}  // namespace edgectl::admin::testing
