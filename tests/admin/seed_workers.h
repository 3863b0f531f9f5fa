// File: tests/admin/seed_workers.h
//
// Writes edge_worker rows as edge3 leaves them (queues as Python list repr, sysinfo JSON), and
// reads single columns back, for the admin command tests.
#ifndef EDGECTL_TESTS_ADMIN_SEED_WORKERS_H_
#define EDGECTL_TESTS_ADMIN_SEED_WORKERS_H_

#include <optional>
#include <string>

#include <pqxx/pqxx>

namespace edgectl::admin::testing {

struct SeedWorker {
  std::string name;
  std::string state = "idle";
  std::optional<std::string> queues_text;  // e.g. "['default']"; nullopt = NULL (all queues)
  std::optional<std::string> comment;
  int jobs_active = 0;
  std::optional<std::string> sysinfo = R"({"concurrency": 8, "free_concurrency": 6})";
  std::optional<int> concurrency;
};

void InsertWorker(pqxx::connection& conn, const SeedWorker& worker);

// The column's text, nullopt for NULL; nullopt as well when the row does not exist (check with
// WorkerExists).
std::optional<std::string> ReadColumn(pqxx::connection& conn, const std::string& name,
                                      const std::string& column);
bool WorkerExists(pqxx::connection& conn, const std::string& name);

}  // namespace edgectl::admin::testing

#endif  // EDGECTL_TESTS_ADMIN_SEED_WORKERS_H_
