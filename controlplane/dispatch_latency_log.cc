#include "controlplane/dispatch_latency_log.h"

#include <algorithm>

namespace edgectl::controlplane {
namespace {

int64_t MinuteOf(absl::Time t) { return absl::ToUnixSeconds(t) / 60; }

// The bucket bound below which `fraction` of the slot's dispatches lie.
double Quantile(const std::array<uint64_t, kDispatchLatencyBuckets.size() + 1>& buckets,
                uint64_t count, double max, double fraction) {
  if (count == 0) return 0;
  const double wanted = fraction * static_cast<double>(count);
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    seen += buckets[i];
    if (static_cast<double>(seen) >= wanted) {
      return i < kDispatchLatencyBuckets.size() ? std::min(kDispatchLatencyBuckets[i], max) : max;
    }
  }
  return max;
}

}  // namespace

std::string DispatchJobId(const std::string& dag_id, const std::string& task_id,
                          const std::string& run_id, int map_index, int try_number) {
  // NUL cannot occur in the columns, so the parts cannot run into each other.
  std::string id = dag_id;
  for (const std::string* part : {&task_id, &run_id}) {
    id.push_back('\0');
    id += *part;
  }
  id.push_back('\0');
  id += std::to_string(map_index);
  id.push_back('\0');
  id += std::to_string(try_number);
  return id;
}

void DispatchLatencyLog::Record(const std::string& job_id, absl::Duration latency,
                                absl::Time at) {
  const double seconds = std::max(0.0, absl::ToDoubleSeconds(latency));
  const int64_t minute = MinuteOf(at);
  absl::MutexLock lock(&mu_);
  Slot& slot = ring_[static_cast<size_t>(minute % kMinutes)];
  if (slot.minute != minute) slot = Slot{minute};
  ++slot.count;
  slot.sum += seconds;
  slot.max = std::max(slot.max, seconds);
  size_t bucket = 0;
  while (bucket < kDispatchLatencyBuckets.size() && seconds > kDispatchLatencyBuckets[bucket]) {
    ++bucket;
  }
  ++slot.buckets[bucket];
  if (recent_.insert_or_assign(job_id, latency).second) recent_order_.push_back(job_id);
  while (recent_order_.size() > kRecentJobs) {
    recent_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
}

LatencyMinute DispatchLatencyLog::Summarise(const Slot& slot) {
  LatencyMinute m;
  m.minute = absl::FromUnixSeconds(slot.minute * 60);
  m.count = slot.count;
  m.sum_seconds = slot.sum;
  m.max_seconds = slot.max;
  m.p50_seconds = Quantile(slot.buckets, slot.count, slot.max, 0.5);
  m.p99_seconds = Quantile(slot.buckets, slot.count, slot.max, 0.99);
  return m;
}

std::vector<LatencyMinute> DispatchLatencyLog::LastHour(absl::Time now) const {
  const int64_t current = MinuteOf(now);
  std::vector<LatencyMinute> out;
  absl::MutexLock lock(&mu_);
  for (int64_t minute = current - kMinutes + 1; minute <= current; ++minute) {
    const Slot& slot = ring_[static_cast<size_t>(((minute % kMinutes) + kMinutes) % kMinutes)];
    if (slot.minute == minute && slot.count > 0) out.push_back(Summarise(slot));
  }
  return out;
}

LatencyMinute DispatchLatencyLog::HourTotal(absl::Time now) const {
  const int64_t current = MinuteOf(now);
  Slot total{current - kMinutes + 1};
  absl::MutexLock lock(&mu_);
  for (const Slot& slot : ring_) {
    if (slot.minute <= current - kMinutes || slot.minute > current) continue;
    total.count += slot.count;
    total.sum += slot.sum;
    total.max = std::max(total.max, slot.max);
    for (size_t i = 0; i < slot.buckets.size(); ++i) total.buckets[i] += slot.buckets[i];
  }
  return Summarise(total);
}

std::optional<absl::Duration> DispatchLatencyLog::ForJob(const std::string& job_id) const {
  absl::MutexLock lock(&mu_);
  auto it = recent_.find(job_id);
  if (it == recent_.end()) return std::nullopt;
  return it->second;
}

}  // namespace edgectl::controlplane
