// File: tests/airflow_double/pg_pool.h
//
// A small pool of libpqxx connections shared by the double's request threads: a request borrows
// one for its transaction and returns it; a connection found broken is dropped and replaced.
#ifndef EDGECTL_TESTS_AIRFLOW_DOUBLE_PG_POOL_H_
#define EDGECTL_TESTS_AIRFLOW_DOUBLE_PG_POOL_H_

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace edgectl::airflow_double {

class PgPool {
 public:
  explicit PgPool(std::string dsn) : dsn_(std::move(dsn)) {}

  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<pqxx::connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    ~Lease() { pool_->Return(std::move(conn_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    pqxx::connection& operator*() { return *conn_; }

   private:
    PgPool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
  };

  // Throws what pqxx throws when a new connection cannot be made.
  std::unique_ptr<Lease> Borrow();

 private:
  void Return(std::unique_ptr<pqxx::connection> conn);

  const std::string dsn_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::airflow_double

#endif  // EDGECTL_TESTS_AIRFLOW_DOUBLE_PG_POOL_H_
