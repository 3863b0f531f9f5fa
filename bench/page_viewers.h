// File: bench/page_viewers.h
//
// Simulated open fleet pages (controlplane/web/): each viewer is a thread that does what the
// page's script does while its tab is visible, one round every 2 s at its own random phase:
// GET /api/summary, /api/workers and /api/jobs on the sidecar's metrics/HTTP port, each on a
// new connection (the server closes after every answer), accepting gzip as browsers do (the
// answers are not inflated here: a browser does that on its own machine). Answer times are kept so the report
// can show what a viewer waits, and failures are counted (none expected).
#ifndef EDGECTL_BENCH_PAGE_VIEWERS_H_
#define EDGECTL_BENCH_PAGE_VIEWERS_H_

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "bench/latency_stats.h"

namespace edgectl::bench {

struct PageViewerTally {
  int viewers = 0;
  int64_t requests = 0;
  int64_t failures = 0;
  int64_t bytes = 0;
  LatencySummary answer;  // per request
};

class PageViewers {
 public:
  static constexpr absl::Duration kRound = absl::Seconds(2);  // fleet.js POLL_VISIBLE_MS

  PageViewers(int port, int viewers, uint32_t seed);
  ~PageViewers();

  void Start();
  PageViewerTally Stop();

 private:
  void View(int index);

  const int port_;
  const int viewers_;
  const uint32_t seed_;
  absl::Notification stop_;
  std::vector<std::thread> threads_;
  std::atomic<int64_t> requests_{0};
  std::atomic<int64_t> failures_{0};
  std::atomic<int64_t> bytes_{0};
  absl::Mutex mu_;
  std::vector<absl::Duration> answers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::bench

#endif  // EDGECTL_BENCH_PAGE_VIEWERS_H_
