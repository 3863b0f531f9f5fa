// File: bridge/retry_policy.h
//
// edge3's retry policy for worker API calls (cli/api_client.py: retryhttp + tenacity):
//   * at most `attempts` tries (AIRFLOW__EDGE__API_RETRIES, else AIRFLOW__WORKERS__API_RETRIES,
//     default 10);
//   * before try n+1 a random wait uniform in [wait_min, clamp(2^(n-1) s, wait_min, wait_max)]
//     (tenacity's wait_random_exponential; AIRFLOW__EDGE__API_RETRY_WAIT_MIN / _MAX, falling
//     back to AIRFLOW__WORKERS__..., defaults 1 s and 90 s);
//   * retried: network errors, timeouts, HTTP 5xx, and HTTP 429, which waits the server's
//     Retry-After (seconds or HTTP date; capped at wait_max so a bogus value cannot park a
//     caller) and falls back to the random wait; never other 4xx.
// The sleeper, clock and random source are injected so tests run without waiting.
#ifndef EDGECTL_BRIDGE_RETRY_POLICY_H_
#define EDGECTL_BRIDGE_RETRY_POLICY_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bridge/http_transport.h"

namespace edgectl::bridge {

struct RetryOptions {
  int attempts = 10;
  absl::Duration wait_min = absl::Seconds(1);
  absl::Duration wait_max = absl::Seconds(90);

  absl::Status Validate() const;
};

// Reads the three variables (with their AIRFLOW__WORKERS__ fallbacks) through getenv, starting
// from `defaults`. Malformed numbers fail with a message naming the variable.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
absl::StatusOr<RetryOptions> RetryOptionsFromEnv(const EnvLookup& getenv,
                                                 RetryOptions defaults = {});

struct RetryOutcome {
  absl::StatusOr<HttpResponse> last;  // the final attempt's result
  int attempts = 0;
};

class RetryPolicy {
 public:
  using Sleeper = std::function<void(absl::Duration)>;
  using Clock = std::function<absl::Time()>;
  using Random = std::function<double()>;  // uniform in [0, 1)

  explicit RetryPolicy(RetryOptions options, Sleeper sleeper = absl::SleepFor,
                       Clock clock = absl::Now, Random random = nullptr);

  // Calls attempt until it gives a non-retryable result or the attempts are used up.
  // `what` ("POST worker/host-1") names the call in the warning logged before each wait.
  RetryOutcome Run(const std::function<absl::StatusOr<HttpResponse>()>& attempt,
                   const std::string& what) const;

  static bool IsRetryable(const absl::StatusOr<HttpResponse>& result);
  // The wait before the try after try number `attempt_number` (1-based).
  absl::Duration WaitAfter(int attempt_number, const absl::StatusOr<HttpResponse>& result) const;
  const RetryOptions& options() const { return options_; }

 private:
  absl::Duration RandomExponential(int attempt_number) const;
  std::optional<absl::Duration> RetryAfter(const HttpResponse& response) const;

  RetryOptions options_;
  Sleeper sleeper_;
  Clock clock_;
  Random random_;
};

}  // namespace edgectl::bridge

#endif  // EDGECTL_BRIDGE_RETRY_POLICY_H_
