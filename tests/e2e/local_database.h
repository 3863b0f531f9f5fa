// File: tests/e2e/local_database.h
//
// The database the demo and the process-level benchmarks run on: a throwaway PostgreSQL
// (tests/fixtures/postgres_server.h, Debian's server binaries, 127.0.0.1, a free port) with one
// database holding the edge3 schema at the newest revision, as `edgectl db init` creates it.
#ifndef EDGECTL_TESTS_E2E_LOCAL_DATABASE_H_
#define EDGECTL_TESTS_E2E_LOCAL_DATABASE_H_

#include <string>

#include "absl/status/statusor.h"
#include "tests/fixtures/postgres_server.h"

namespace edgectl::e2e {

// Starts `postgres`, creates database `name` with the edge3 schema and returns its libpq DSN.
absl::StatusOr<std::string> StartEdgeDatabase(testing::PostgresServer& postgres,
                                              const std::string& name);

}  // namespace edgectl::e2e

#endif  // EDGECTL_TESTS_E2E_LOCAL_DATABASE_H_
