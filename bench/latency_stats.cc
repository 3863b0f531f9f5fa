#include "bench/latency_stats.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace edgectl::bench {
namespace {

absl::Duration Rank(const std::vector<absl::Duration>& sorted, double fraction) {
  const size_t rank = static_cast<size_t>(std::ceil(fraction * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

}  // namespace

LatencySummary Summarize(std::vector<absl::Duration> sample) {
  LatencySummary s;
  s.count = sample.size();
  if (sample.empty()) return s;
  std::sort(sample.begin(), sample.end());
  s.p50 = Rank(sample, 0.50);
  s.p90 = Rank(sample, 0.90);
  s.p99 = Rank(sample, 0.99);
  s.max = sample.back();
  absl::Duration total;
  for (absl::Duration d : sample) total += d;
  s.mean = total / static_cast<int64_t>(sample.size());
  return s;
}

nlohmann::json ToJson(const LatencySummary& s) {
  return {{"count", s.count}, {"p50_ms", Ms(s.p50)}, {"p90_ms", Ms(s.p90)},
          {"p99_ms", Ms(s.p99)}, {"max_ms", Ms(s.max)}, {"mean_ms", Ms(s.mean)}};
}

std::string ToText(const LatencySummary& s) {
  if (s.count == 0) return "n/a (no samples)";
  return absl::StrFormat("p50 %8.1f ms  p90 %8.1f ms  p99 %8.1f ms  max %8.1f ms  (n=%d)",
                         Ms(s.p50), Ms(s.p90), Ms(s.p99), Ms(s.max), s.count);
}

}  // namespace edgectl::bench
