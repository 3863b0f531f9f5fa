#include "controlplane/pg_connection_pool.h"

namespace edgectl::controlplane {

std::unique_ptr<pqxx::connection> PgConnectionPool::Lend() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](PgConnectionPool* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
        return p->lent_ < p->size_;
      },
      this));
  ++lent_;
  if (idle_.empty()) return nullptr;  // the caller opens a new one
  std::unique_ptr<pqxx::connection> conn = std::move(idle_.back());
  idle_.pop_back();
  return conn;
}

void PgConnectionPool::Return(std::unique_ptr<pqxx::connection> conn, bool reusable) {
  absl::MutexLock lock(&mu_);
  --lent_;
  if (conn && reusable && conn->is_open()) idle_.push_back(std::move(conn));
}

}  // namespace edgectl::controlplane
