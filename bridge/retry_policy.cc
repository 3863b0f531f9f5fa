#include "bridge/retry_policy.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace edgectl::bridge {
namespace {

std::optional<std::string> FirstSet(const EnvLookup& getenv, const std::string& suffix) {
  for (const char* prefix : {"AIRFLOW__EDGE__", "AIRFLOW__WORKERS__"}) {
    if (std::optional<std::string> value = getenv(absl::StrCat(prefix, suffix))) return value;
  }
  return std::nullopt;
}

absl::Status BadNumber(const std::string& suffix, const std::string& value) {
  return absl::InvalidArgumentError(absl::StrCat("AIRFLOW__EDGE__", suffix, " (or AIRFLOW__WORKERS__",
                                                 suffix, ") is '", value, "', expected a number"));
}

double DefaultRandom() {
  static absl::Mutex mu(absl::kConstInit);
  static std::mt19937_64* engine = new std::mt19937_64(std::random_device{}());
  absl::MutexLock lock(&mu);
  return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
}

}  // namespace

absl::Status RetryOptions::Validate() const {
  if (attempts < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("API retries must be at least 1 attempt, got ", attempts,
                     "; check AIRFLOW__EDGE__API_RETRIES"));
  }
  if (wait_min < absl::ZeroDuration() || wait_max < wait_min) {
    return absl::InvalidArgumentError(absl::StrCat(
        "API retry waits must satisfy 0 <= min <= max, got min ", absl::FormatDuration(wait_min),
        " max ", absl::FormatDuration(wait_max),
        "; check AIRFLOW__EDGE__API_RETRY_WAIT_MIN / _MAX"));
  }
  return absl::OkStatus();
}

absl::StatusOr<RetryOptions> RetryOptionsFromEnv(const EnvLookup& getenv, RetryOptions defaults) {
  RetryOptions options = defaults;
  if (auto value = FirstSet(getenv, "API_RETRIES")) {
    if (!absl::SimpleAtoi(*value, &options.attempts)) return BadNumber("API_RETRIES", *value);
  }
  for (auto [suffix, target] : {std::pair{"API_RETRY_WAIT_MIN", &options.wait_min},
                                std::pair{"API_RETRY_WAIT_MAX", &options.wait_max}}) {
    if (auto value = FirstSet(getenv, suffix)) {
      double seconds = 0;
      if (!absl::SimpleAtod(*value, &seconds)) return BadNumber(suffix, *value);
      *target = absl::Seconds(seconds);
    }
  }
  if (absl::Status status = options.Validate(); !status.ok()) return status;
  return options;
}

RetryPolicy::RetryPolicy(RetryOptions options, Sleeper sleeper, Clock clock, Random random)
    : options_(options),
      sleeper_(std::move(sleeper)),
      clock_(std::move(clock)),
      random_(random ? std::move(random) : Random(DefaultRandom)) {}

bool RetryPolicy::IsRetryable(const absl::StatusOr<HttpResponse>& result) {
  if (!result.ok()) return true;  // the transport only fails on network errors and timeouts
  return result->status >= 500 || result->status == 429;
}

absl::Duration RetryPolicy::RandomExponential(int attempt_number) const {
  const double exponential = std::ldexp(1.0, std::min(attempt_number - 1, 62));
  const absl::Duration high =
      std::clamp(absl::Seconds(exponential), options_.wait_min, options_.wait_max);
  return options_.wait_min + (high - options_.wait_min) * random_();
}

std::optional<absl::Duration> RetryPolicy::RetryAfter(const HttpResponse& response) const {
  auto header = response.headers.find("retry-after");
  if (header == response.headers.end()) return std::nullopt;
  double seconds = 0;
  if (absl::SimpleAtod(header->second, &seconds) && seconds >= 0) return absl::Seconds(seconds);
  absl::Time when;
  std::string error;
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", header->second, &when, &error)) {
    return std::max(absl::ZeroDuration(), when - clock_());
  }
  return std::nullopt;
}

absl::Duration RetryPolicy::WaitAfter(int attempt_number,
                                      const absl::StatusOr<HttpResponse>& result) const {
  if (result.ok() && result->status == 429) {
    if (std::optional<absl::Duration> wait = RetryAfter(*result)) {
      return std::min(*wait, options_.wait_max);
    }
  }
  return RandomExponential(attempt_number);
}

RetryOutcome RetryPolicy::Run(const std::function<absl::StatusOr<HttpResponse>()>& attempt,
                              const std::string& what) const {
  RetryOutcome outcome{attempt(), 1};
  while (IsRetryable(outcome.last) && outcome.attempts < options_.attempts) {
    const absl::Duration wait = WaitAfter(outcome.attempts, outcome.last);
    spdlog::warn("Airflow edge API {} failed (attempt {} of {}: {}); retrying in {}", what,
                 outcome.attempts, options_.attempts,
                 outcome.last.ok() ? absl::StrCat("HTTP ", outcome.last->status)
                                   : std::string(outcome.last.status().message()),
                 absl::FormatDuration(wait));
    sleeper_(wait);
    outcome.last = attempt();
    ++outcome.attempts;
  }
  return outcome;
}

}  // namespace edgectl::bridge
