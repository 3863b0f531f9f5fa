// File: tests/airflow_double/edge_routes_internal.h
//
// Shared by the edge_routes_*.cc files: the transaction wrapper and time formatting.
#ifndef EDGECTL_TESTS_AIRFLOW_DOUBLE_EDGE_ROUTES_INTERNAL_H_
#define EDGECTL_TESTS_AIRFLOW_DOUBLE_EDGE_ROUTES_INTERNAL_H_

#include <spdlog/spdlog.h>

#include "absl/time/clock.h"
#include "bridge/edge_api_json.h"
#include "tests/airflow_double/edge_routes.h"

namespace edgectl::airflow_double {

template <typename Fn>
Reply EdgeRoutes::InTransaction(const char* what, Fn&& fn) {
  try {
    std::unique_ptr<PgPool::Lease> lease = pool_->Borrow();
    pqxx::work tx(**lease);
    return fn(tx);
  } catch (const std::exception& e) {
    spdlog::error("airflow double: {} failed: {}", what, e.what());
    return Reply{500, "Internal Server Error"};
  }
}

// Now as pydantic writes it (also a valid PostgreSQL timestamptz literal).
inline std::string NowText() { return bridge::PydanticDatetime(absl::Now()); }

}  // namespace edgectl::airflow_double

#endif  // EDGECTL_TESTS_AIRFLOW_DOUBLE_EDGE_ROUTES_INTERNAL_H_
