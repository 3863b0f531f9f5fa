#include "tests/e2e/local_database.h"

#include <pqxx/pqxx>

#include "controlplane/db/pg_status.h"
#include "controlplane/db/schema_installer.h"

namespace edgectl::e2e {

absl::StatusOr<std::string> StartEdgeDatabase(testing::PostgresServer& postgres,
                                              const std::string& name) {
  if (absl::Status started = postgres.Start(); !started.ok()) return started;
  absl::StatusOr<std::string> dsn = postgres.CreateDatabase(name);
  if (!dsn.ok()) return dsn.status();
  absl::Status created;
  absl::Status connected = db::RunPg("create the edge3 schema", [&] {
    pqxx::connection conn(*dsn);
    created = db::CreateSchema(conn).status();
  });
  if (!connected.ok()) return connected;
  if (!created.ok()) return created;
  return dsn;
}

}  // namespace edgectl::e2e
