#include "tests/airflow_double/pg_pool.h"

namespace edgectl::airflow_double {

std::unique_ptr<PgPool::Lease> PgPool::Borrow() {
  {
    absl::MutexLock lock(&mu_);
    while (!idle_.empty()) {
      std::unique_ptr<pqxx::connection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->is_open()) return std::make_unique<Lease>(this, std::move(conn));
    }
  }
  return std::make_unique<Lease>(this, std::make_unique<pqxx::connection>(dsn_));
}

void PgPool::Return(std::unique_ptr<pqxx::connection> conn) {
  if (conn == nullptr || !conn->is_open()) return;
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(conn));
}

}  // namespace edgectl::airflow_double
