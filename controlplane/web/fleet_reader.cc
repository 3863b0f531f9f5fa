#include "controlplane/web/fleet_reader.h"

#include "controlplane/db/pg_status.h"
#include "controlplane/web/gzip.h"

namespace edgectl::web {
namespace {

// Reads run one at a time under the reader's lock: an unreachable or stuck database must not
// keep viewers (and the server's threads) waiting for minutes.
std::string WithTimeouts(std::string dsn) {
  if (dsn.find("connect_timeout") == std::string::npos) {
    dsn += dsn.empty() ? "connect_timeout=5" : " connect_timeout=5";
  }
  return dsn;
}

}  // namespace

FleetReader::FleetReader(std::string libpq_dsn, absl::Duration ttl,
                         const controlplane::Clock& clock)
    : dsn_(WithTimeouts(std::move(libpq_dsn))), ttl_(ttl), clock_(clock) {}

absl::StatusOr<std::shared_ptr<const CachedAnswer>> FleetReader::Get(const std::string& key,
                                                                      const Compute& compute) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_.Now();
  if (auto it = cache_.find(key); it != cache_.end() && now < it->second.expires) {
    return it->second.answer;
  }
  if (conn_ == nullptr || !conn_->is_open()) {
    try {
      conn_ = std::make_unique<pqxx::connection>(dsn_);
      pqxx::nontransaction(*conn_).exec0("SET statement_timeout = '5s'");
    } catch (...) {
      conn_.reset();
      return db::StatusFromCurrentException("connect for the fleet page");
    }
  }
  ++computations_;
  FleetQueries queries(*conn_);
  absl::StatusOr<std::string> body = compute(queries);
  if (!body.ok()) {
    // The connection may be broken; the next read opens a new one.
    if (absl::IsUnavailable(body.status())) conn_.reset();
    return body.status();
  }
  auto answer = std::make_shared<CachedAnswer>();
  absl::StatusOr<std::string> compressed = Gzip(*body);
  if (compressed.ok()) answer->gzip = *std::move(compressed);
  answer->body = *std::move(body);
  EvictLocked(now);
  cache_[key] = Entry{answer, clock_.Now() + ttl_};
  return answer;
}

void FleetReader::EvictLocked(absl::Time now) {
  for (auto it = cache_.begin(); it != cache_.end();) {
    it = it->second.expires <= now ? cache_.erase(it) : std::next(it);
  }
  while (cache_.size() >= kMaxEntries) cache_.erase(cache_.begin());
}

uint64_t FleetReader::computations() const {
  absl::MutexLock lock(&mu_);
  return computations_;
}

}  // namespace edgectl::web
