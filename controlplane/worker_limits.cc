#include "controlplane/worker_limits.h"

#include <algorithm>

namespace edgectl::controlplane {

void WorkerLimits::Refill(State& s, absl::Time now) const {
  if (s.refilled_at == absl::InfinitePast()) {
    s.log_balance = options_.log_bytes_per_second;
  } else {
    s.log_balance = std::min(
        options_.log_bytes_per_second,
        s.log_balance + absl::ToDoubleSeconds(now - s.refilled_at) * options_.log_bytes_per_second);
  }
  s.refilled_at = now;
}

std::optional<absl::Duration> WorkerLimits::LogDelay(const std::string& worker) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  State& s = workers_[worker];
  Refill(s, now);
  if (s.log_balance >= 0) return std::nullopt;
  // Until the balance is positive again, at least 10 ms.
  return std::max(absl::Milliseconds(10),
                  absl::Seconds(-s.log_balance / options_.log_bytes_per_second));
}

void WorkerLimits::ChargeLogBytes(const std::string& worker, uint64_t bytes) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  State& s = workers_[worker];
  Refill(s, now);
  s.log_balance -= static_cast<double>(bytes);
}

bool WorkerLimits::OpenLogStream(const std::string& worker) {
  absl::MutexLock lock(&mu_);
  State& s = workers_[worker];
  if (s.log_streams >= options_.log_streams) return false;
  ++s.log_streams;
  return true;
}

void WorkerLimits::CloseLogStream(const std::string& worker) {
  absl::MutexLock lock(&mu_);
  auto it = workers_.find(worker);
  if (it != workers_.end() && it->second.log_streams > 0) --it->second.log_streams;
}

std::optional<absl::Duration> WorkerLimits::AdmitConnect(const std::string& worker) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  State& s = workers_[worker];
  while (!s.connects.empty() && now - s.connects.front() >= absl::Minutes(1)) {
    s.connects.pop_front();
  }
  if (static_cast<int>(s.connects.size()) >= options_.connects_per_minute) {
    return s.connects.front() + absl::Minutes(1) - now;
  }
  s.connects.push_back(now);
  return std::nullopt;
}

}  // namespace edgectl::controlplane
