// File: controlplane/refusal_log.h
//
// Refused calls (unauthenticated, another worker's name or job, malformed, over a limit): each
// is counted by reason for /metrics, and logged at most once per peer host and reason per
// minute, with peer, claimed and authenticated names and how many like it were not logged, so a
// misbehaving client cannot flood the log. Also throttles authentication attempts: a peer host
// with more than `max_auth_failures_per_second` failed authentications in the current second is
// refused without a database lookup. Thread-safe.
#ifndef EDGECTL_CONTROLPLANE_REFUSAL_LOG_H_
#define EDGECTL_CONTROLPLANE_REFUSAL_LOG_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/clock.h"
#include "controlplane/metrics.h"

namespace edgectl::controlplane {

struct Refusal {
  std::string rpc;                 // "Register", "PushLogs", ...
  std::string peer;                // gRPC peer URI
  std::string claimed_name;        // what the request said (quoted prefix)
  std::string authenticated_name;  // "" when not authenticated
  absl::Status status;             // what the caller got
};

class RefusalLog {
 public:
  RefusalLog(const Clock& clock, Metrics& metrics, int max_auth_failures_per_second = 20)
      : clock_(clock), metrics_(metrics), max_auth_failures_(max_auth_failures_per_second) {}

  void Record(const Refusal& refusal);
  // True when this peer host already failed authentication too often in this second.
  bool AuthThrottled(const std::string& peer);

 private:
  struct LogState {
    absl::Time last_logged = absl::InfinitePast();
    uint64_t suppressed = 0;
  };
  struct FailureWindow {
    int64_t second = 0;
    int failures = 0;
  };
  void Forget(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock& clock_;
  Metrics& metrics_;
  const int max_auth_failures_;
  absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, LogState> logged_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, FailureWindow> failures_ ABSL_GUARDED_BY(mu_);
  absl::Time last_forget_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// The metrics label of a refusal: "unauthenticated", "permission_denied", "invalid_argument",
// "resource_exhausted", ...
std::string RefusalReason(const absl::Status& status);

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_REFUSAL_LOG_H_
