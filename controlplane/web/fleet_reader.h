// File: controlplane/web/fleet_reader.h
//
// Keeps the fleet page light on PostgreSQL whatever the number of viewers: every database read
// of the page goes through one FleetReader, which
//   - uses one connection of its own (opened on first use, re-opened after a failure), never the
//     dispatcher's pool, so page traffic cannot take a connection dispatch needs;
//   - runs one read at a time;
//   - keeps each answer (the rendered JSON body and its gzip, keyed by what was asked) for `ttl`
//     and hands it to every viewer asking the same within that time, so a hundred open pages
//     polling every two seconds cost the database, and the sidecar's CPU for rendering and
//     compressing, what one does.
// The cache holds at most kMaxEntries answers (expired ones are dropped first). Errors are not
// cached. Thread-safe.
#ifndef EDGECTL_CONTROLPLANE_WEB_FLEET_READER_H_
#define EDGECTL_CONTROLPLANE_WEB_FLEET_READER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/clock.h"
#include "controlplane/web/fleet_queries.h"
#include "pqxx/pqxx"

namespace edgectl::web {

// One answer as sent: the body, and the same gzip-compressed (empty if compression failed).
struct CachedAnswer {
  std::string body;
  std::string gzip;
};

class FleetReader {
 public:
  static constexpr size_t kMaxEntries = 256;

  // `libpq_dsn` is the sidecar's database; `clock` must outlive the reader.
  FleetReader(std::string libpq_dsn, absl::Duration ttl, const controlplane::Clock& clock);

  using Compute = std::function<absl::StatusOr<std::string>(FleetQueries&)>;
  // The cached answer for `key` when it is younger than the ttl, else compute(queries) (run
  // under the reader's lock, with a connection) and cache it.
  // Shared, not copied: many viewers send the same bytes.
  absl::StatusOr<std::shared_ptr<const CachedAnswer>> Get(const std::string& key,
                                                           const Compute& compute);

  // How many times Get() had to ask the database (for tests and the benchmark).
  uint64_t computations() const;

 private:
  struct Entry {
    std::shared_ptr<const CachedAnswer> answer;
    absl::Time expires;
  };
  void EvictLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string dsn_;
  const absl::Duration ttl_;
  const controlplane::Clock& clock_;
  mutable absl::Mutex mu_;
  std::unique_ptr<pqxx::connection> conn_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Entry> cache_ ABSL_GUARDED_BY(mu_);
  uint64_t computations_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace edgectl::web

#endif  // EDGECTL_CONTROLPLANE_WEB_FLEET_READER_H_
