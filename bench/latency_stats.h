// File: bench/latency_stats.h
//
// Percentiles of a latency sample (nearest-rank on the sorted sample). An empty sample gives
// count 0 and zero durations; callers print "n/a" for it.
#ifndef EDGECTL_BENCH_LATENCY_STATS_H_
#define EDGECTL_BENCH_LATENCY_STATS_H_

#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace edgectl::bench {

struct LatencySummary {
  size_t count = 0;
  absl::Duration p50, p90, p99, max, mean;
};

LatencySummary Summarize(std::vector<absl::Duration> sample);

// {"count": n, "p50_ms": x, ...} with milliseconds as doubles.
nlohmann::json ToJson(const LatencySummary& s);

// "p50 12.3 ms  p90 ...  (n=200)".
std::string ToText(const LatencySummary& s);

}  // namespace edgectl::bench

#endif  // EDGECTL_BENCH_LATENCY_STATS_H_
