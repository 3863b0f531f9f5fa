// File: controlplane/pg_connection_pool.h
//
// A small pool of libpqxx connections (libpqxx connections are not thread-safe): Acquire() lends
// one for the duration of a callback, opening connections lazily up to `size`, and blocks while
// all are lent. A connection whose use failed with a lost connection is closed rather than
// returned, so the next user reconnects. Exceptions are converted to absl::Status (pg_status.h).
#ifndef EDGECTL_CONTROLPLANE_PG_CONNECTION_POOL_H_
#define EDGECTL_CONTROLPLANE_PG_CONNECTION_POOL_H_

#include <memory>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "controlplane/db/pg_status.h"

namespace edgectl::controlplane {

class PgConnectionPool {
 public:
  PgConnectionPool(std::string dsn, size_t size) : dsn_(std::move(dsn)), size_(size) {}

  // Runs fn(pqxx::connection&) on a lent connection; `context` prefixes error messages.
  template <typename Fn>
  auto With(const std::string& context, Fn&& fn) {
    std::unique_ptr<pqxx::connection> conn = Lend();
    auto result = db::RunPg(context, [&] {
      if (!conn) conn = std::make_unique<pqxx::connection>(dsn_);
      return fn(*conn);
    });
    Return(std::move(conn), StatusOf(result).code() != absl::StatusCode::kUnavailable);
    return result;
  }

 private:
  static const absl::Status& StatusOf(const absl::Status& s) { return s; }
  template <typename T>
  static absl::Status StatusOf(const absl::StatusOr<T>& s) {
    return s.status();
  }
  std::unique_ptr<pqxx::connection> Lend();
  void Return(std::unique_ptr<pqxx::connection> conn, bool reusable);

  const std::string dsn_;
  const size_t size_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  size_t lent_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_PG_CONNECTION_POOL_H_
