#include "controlplane/refusal_log.h"

#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"
#include "controlplane/auth/peer_credentials.h"

namespace edgectl::controlplane {

std::string RefusalReason(const absl::Status& status) {
  return absl::AsciiStrToLower(absl::StatusCodeToString(status.code()));
}

void RefusalLog::Record(const Refusal& r) {
  const std::string reason = RefusalReason(r.status);
  metrics_.CallRefused(reason);
  const std::string host = auth::PeerHost(r.peer);
  const absl::Time now = clock_.Now();
  uint64_t suppressed = 0;
  {
    absl::MutexLock lock(&mu_);
    if (r.status.code() == absl::StatusCode::kUnauthenticated) {
      FailureWindow& w = failures_[host];
      const int64_t second = absl::ToUnixSeconds(now);
      if (w.second != second) w = FailureWindow{second, 0};
      ++w.failures;
    }
    LogState& state = logged_[{host, reason}];
    if (now - state.last_logged < absl::Minutes(1)) {
      ++state.suppressed;
      Forget(now);
      return;
    }
    suppressed = state.suppressed;
    state = LogState{now, 0};
    Forget(now);
  }
  spdlog::warn("refused {} from {} (claimed worker {}, authenticated as {}): {}{}", r.rpc, r.peer,
               r.claimed_name, r.authenticated_name.empty() ? "nobody" : r.authenticated_name,
               r.status.ToString(),
               suppressed > 0 ? " (+" + std::to_string(suppressed) +
                                    " similar refusals from this host in the last minute)"
                              : "");
}

bool RefusalLog::AuthThrottled(const std::string& peer) {
  const std::string host = auth::PeerHost(peer);
  const int64_t second = absl::ToUnixSeconds(clock_.Now());
  absl::MutexLock lock(&mu_);
  auto it = failures_.find(host);
  return it != failures_.end() && it->second.second == second &&
         it->second.failures > max_auth_failures_;
}

void RefusalLog::Forget(absl::Time now) {
  if (now - last_forget_ < absl::Minutes(5)) return;
  last_forget_ = now;
  for (auto it = logged_.begin(); it != logged_.end();) {
    it = now - it->second.last_logged > absl::Minutes(5) ? logged_.erase(it) : std::next(it);
  }
  const int64_t second = absl::ToUnixSeconds(now);
  for (auto it = failures_.begin(); it != failures_.end();) {
    it = it->second.second != second ? failures_.erase(it) : std::next(it);
  }
}

}  // namespace edgectl::controlplane
